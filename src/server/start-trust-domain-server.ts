import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { TokenCredential } from "@azure/identity";
import type { KubeConfig } from "@kubernetes/client-node";
import { createWorkloadIdentityCredential, ManagedHsmKeyClient } from "../hsm/index.ts";
import { SigningKeyStore } from "../keystore/index.ts";
import {
  type PreflightConfigInput,
  type PreflightEvent,
  runPreflight,
  validatePreflightConfig,
} from "../preflight/index.ts";
import { createSelfSignedServingCertificate, type KeyUse, type MemorySigningKeySet } from "../svid/index.ts";
import { cachedTokenReviewer } from "./cached-token-reviewer.ts";
import { followSigningKeys } from "./follow-signing-keys.ts";
import { type HoldLeaseOptions, holdLease } from "./hold-lease.ts";
import { kubernetesTokenReviewer } from "./kubernetes-token-reviewer.ts";
import { prepareSigningKeys } from "./prepare-signing-keys.ts";
import { defaultRotationPolicy, type KeyRotationPolicy, rotateSigningKeys } from "./rotate-signing-keys.ts";
import { type PeriodicTaskStats, runPeriodically } from "./run-periodically.ts";
import type { ServerLog } from "./server-log.ts";
import { ServerStartError } from "./server-start-error.ts";
import { type SvidServer, type SvidServerOptions, startSvidServer } from "./start-svid-server.ts";

/** Options of {@link startTrustDomainServer}. */
export interface TrustDomainServerOptions {
  readonly trustDomain: string;
  /** The namespace whose SigningKeys the server owns. */
  readonly namespace: string;
  /** The HSM key, unvalidated, exactly as the preflight takes it. */
  readonly hsm: PreflightConfigInput;
  /** The audience callers' service-account tokens must carry. */
  readonly tokenAudience: string;
  /** KUBECONFIG or the in-cluster config. */
  readonly kubeConfig: KubeConfig;
  readonly listen: { readonly host: string; readonly port: number };
  /**
   * PEM files of the serving certificate and key, or `selfSigned`: one made in memory at start (for
   * development; logged as such). Required unless `insecureHttp`.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | { readonly selfSigned: true };
  readonly insecureHttp?: boolean;
  /** Budget of the preflight checks, in ms. */
  readonly preflightTimeoutMs: number;
  /** Where the Workload Identity variables are read. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: Workload Identity only, as the image's preflight (`AZURE_TOKEN_CREDENTIALS` is refused). */
  readonly credential?: TokenCredential;
  /** The preflight's events (its start line first), formatted by the caller as the preflight command does. */
  readonly onPreflightEvent: (event: PreflightEvent) => void;
  readonly log: ServerLog;
  /**
   * Leader election: only the holder of this `coordination.k8s.io` Lease (in `namespace`) rotates keys and
   * rewraps; every replica follows the SigningKeys and signs. Default: no lease, this replica does both.
   */
  readonly lease?: Omit<HoldLeaseOptions, "kubeConfig" | "namespace" | "signal" | "log" | "identity"> & {
    readonly identity?: string;
  };
  /** Budget of the HSM calls for one key (retries included), in ms. Default: the store's (30 s). */
  readonly hsmTimeoutMs?: number;
  /** Signing-key rotation: lifetimes and pre-publication per use, how often it is checked (ms). */
  readonly rotation?: {
    readonly policy?: Partial<Readonly<Record<KeyUse, KeyRotationPolicy>>>;
    readonly checkIntervalMs?: number;
  };
  /**
   * How often the HSM key's latest version is read (one `getKey`, no cryptography), in ms, to rewrap the
   * envelopes onto a new version. Default one hour. With a pinned version, only once, at start.
   */
  readonly kekCheckIntervalMs?: number;
  /** Passed to the HTTP server (TTLs, limits). */
  readonly server?: Pick<
    SvidServerOptions,
    "jwtTtlSeconds" | "x509TtlSeconds" | "requestTimeoutMs" | "bodyLimitBytes" | "bundleRefreshHintSeconds"
  >;
}

/** A started Trust Domain Server. */
export interface TrustDomainServer {
  readonly server: SvidServer;
  /** The keys in memory (cleared at shutdown). */
  readonly keys: MemorySigningKeySet;
  /** HSM requests made by the key store since start (the preflight's are its own). */
  readonly hsm: ManagedHsmKeyClient;
  /** Stops following the namespace's SigningKeys (before the keys are dropped at shutdown). */
  stopWatching(): void;
}

/**
 * The start sequence of issue 10: the preflight checks in-process (its start line, its classified
 * failure: one code path with `spirl-keywrap preflight`), then every SigningKey loaded and opened (a
 * provider mismatch refused, a missing key created and stored before use), then the HTTP(S) server.
 * Throws `PreflightError` or `ServerStartError`, each with its exit status. After this, signing needs
 * neither the HSM nor the API server's key store.
 */
export async function startTrustDomainServer(options: TrustDomainServerOptions): Promise<TrustDomainServer> {
  const env = options.env ?? process.env;
  await runPreflight({
    input: options.hsm,
    timeoutMs: options.preflightTimeoutMs,
    env,
    onEvent: options.onPreflightEvent,
    ...(options.credential !== undefined && { credential: options.credential }),
  });
  const config = validatePreflightConfig(options.hsm);
  const hsm = new ManagedHsmKeyClient({
    vaultUrl: config.url,
    credential: options.credential ?? createWorkloadIdentityCredential(env),
  });
  const store = new SigningKeyStore({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    trustDomain: options.trustDomain,
    kek: { url: config.url, name: config.keyName, version: config.keyVersion },
    hsm,
    ...(options.hsmTimeoutMs !== undefined && { hsmTimeoutMs: options.hsmTimeoutMs }),
  });
  const policy = { ...defaultRotationPolicy, ...options.rotation?.policy };
  const { keys, resourceVersion, names, versions } = await prepareSigningKeys({
    store,
    trustDomain: options.trustDomain,
    log: options.log,
    lifetimeSeconds: {
      "jwt-svid": policy["jwt-svid"].lifetimeSeconds,
      "x509-svid": policy["x509-svid"].lifetimeSeconds,
    },
  });

  let tls: { cert: string; key: string } | undefined;
  if (options.tls !== undefined && "selfSigned" in options.tls) {
    // Names a client in the pod or on the node may use; a dev client still has to trust it explicitly.
    tls = await createSelfSignedServingCertificate({
      dnsNames: ["localhost", hostname()],
      ipAddresses: ["127.0.0.1", "::1"],
    });
    options.log({
      level: "info",
      msg: "dev: serving with a self-signed certificate made at start; give a serving certificate in production",
    });
  } else if (options.tls !== undefined) {
    const { certFile, keyFile } = options.tls;
    try {
      tls = { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
    } catch (error) {
      throw new ServerStartError(
        `serving certificate: cannot read ${certFile} or ${keyFile} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        { code: "LISTEN_FAILED", cause: error },
      );
    }
  }
  const reviewer = cachedTokenReviewer(
    kubernetesTokenReviewer({ kubeConfig: options.kubeConfig, audience: options.tokenAudience }),
    { audience: options.tokenAudience },
  );
  let rotation: { stats(): PeriodicTaskStats } | undefined;
  let rewrap: { stats(): PeriodicTaskStats } | undefined;
  let leader: (() => boolean) | undefined;
  try {
    const server = await startSvidServer({
      trustDomain: options.trustDomain,
      keys,
      reviewer,
      listen: options.listen,
      ...(tls !== undefined && { tls }),
      ...(options.insecureHttp === true && { insecureHttp: true }),
      hsmCalls: () => hsm.stats().byOperation,
      leader: () => leader?.() ?? false,
      maintenance: () => ({
        ...(rotation !== undefined && { rotation: rotation.stats() }),
        ...(rewrap !== undefined && { rewrap: rewrap.stats() }),
      }),
      log: options.log,
      ...options.server,
    });
    const watching = new AbortController();
    const held = new Map(names);
    const lease =
      options.lease === undefined
        ? { isLeader: () => true }
        : holdLease({
            ...options.lease,
            // The pod name, and a suffix: a restarted process is a new holder.
            identity: options.lease.identity ?? `${hostname()}-${randomBytes(4).toString("hex")}`,
            kubeConfig: options.kubeConfig,
            namespace: options.namespace,
            signal: watching.signal,
            log: options.log,
          });
    leader = lease.isLeader;
    followSigningKeys({
      store,
      keys,
      resourceVersion,
      versions,
      names: held,
      trustDomain: options.trustDomain,
      log: options.log,
      signal: watching.signal,
    });
    const checkIntervalMs = options.rotation?.checkIntervalMs ?? 30_000;
    rotation = runPeriodically({
      run: async () => {
        if (!lease.isLeader()) return;
        await rotateSigningKeys({
          store,
          trustDomain: options.trustDomain,
          policy,
          svidTtlSeconds: {
            "jwt-svid": options.server?.jwtTtlSeconds ?? 300,
            "x509-svid": options.server?.x509TtlSeconds ?? 3600,
          },
          keys,
          names: held,
          log: options.log,
        });
      },
      intervalMs: checkIntervalMs,
      maxBackoffMs: Math.max(checkIntervalMs, 300_000),
      // Every HSM call has its own deadline inside the store; this bounds the whole pass.
      deadlineMs: Math.max(checkIntervalMs, 120_000),
      signal: watching.signal,
      onFailure: (error, stats) =>
        options.log({
          level: "error",
          msg: "signing-key rotation failed; signing goes on with the keys held, retrying with backoff",
          fields: { error: String(error), consecutiveFailures: stats.consecutiveFailures },
        }),
    });
    // KEK rotation: new envelopes already use the target version (the store wraps with it); this moves
    // the old ones. Only the Lease holder rewraps, and a replica that starts during a rollout is not the
    // holder yet: so it looks every rotation check whether it has become the holder, and makes its first
    // pass then. After that, a pinned version never changes while running (no more passes, no HSM call);
    // the latest version is looked up again every KEK check interval.
    const pinned = config.keyVersion !== undefined && config.keyVersion !== "";
    const kekCheckIntervalMs = options.kekCheckIntervalMs ?? 3_600_000;
    let lastPassAt: number | undefined;
    rewrap = runPeriodically({
      run: async () => {
        if (!lease.isLeader()) {
          // Another replica may wrap new keys with its own version meanwhile: pass again on leading again.
          lastPassAt = undefined;
          return;
        }
        if (lastPassAt !== undefined && (pinned || Date.now() - lastPassAt < kekCheckIntervalMs)) return;
        const report = await store.rewrap();
        const moved = report.records.filter((record) => record.outcome === "rewrapped");
        const failed = report.records.filter((record) => record.outcome === "failed");
        if (moved.length > 0)
          options.log({
            level: "info",
            msg: "signing keys rewrapped onto the KEK version in use",
            fields: { kekVersion: report.targetVersion, rewrapped: moved.length },
          });
        if (failed.length > 0)
          throw new Error(
            `${failed.length} SigningKey(s) not rewrapped onto KEK version ${report.targetVersion}: ${failed
              .map((record) => `${record.name} (${record.error?.code ?? "failed"})`)
              .join(", ")}`,
          );
        lastPassAt = Date.now();
      },
      intervalMs: Math.min(checkIntervalMs, kekCheckIntervalMs),
      maxBackoffMs: Math.min(kekCheckIntervalMs, 300_000),
      deadlineMs: 600_000,
      signal: watching.signal,
      onFailure: (error, stats) =>
        options.log({
          level: "error",
          msg: "rewrap onto the current KEK version failed; the keys still open with their recorded version",
          fields: { error: String(error), consecutiveFailures: stats.consecutiveFailures },
        }),
    });
    return { server, keys, hsm, stopWatching: () => watching.abort() };
  } catch (error) {
    keys.clear();
    throw new ServerStartError(
      `cannot serve on ${options.listen.host}:${options.listen.port}: ${(error as Error).message}`,
      { code: "LISTEN_FAILED", cause: error },
    );
  }
}
