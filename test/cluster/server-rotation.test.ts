// Signing-key and KEK rotation on a real API server with the emulator's HSM. Signing keys on lifetimes of
// seconds: the next key is published before it signs, the old one stays published until its last SVID
// expired, and every SVID issued along the way verifies against the bundle served while it is valid.
// KEK: a new version in the HSM moves every envelope onto it in the background.
import { X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { execa } from "execa";
import { importJWK, jwtVerify } from "jose";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  createServerLog,
  defaultRotationPolicy,
  type KeyRotationPolicy,
  startTrustDomainServer,
  type TrustDomainServer,
  type TrustDomainServerOptions,
} from "../../src/server/index.ts";
import type { KeyUse, SpiffeBundle } from "../../src/svid/index.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { mintServiceAccountToken } from "../helpers/service-account-token.ts";
import { createNamespace, useKeystoreFixture } from "../keystore/cluster-fixture.ts";
import { call } from "../server/fixtures.ts";
import { makeCsr } from "../svid/fixtures.ts";

const fixture = useKeystoreFixture("kek-rotation");
const cluster = inject("cluster");
const audience = "spirl-trust-domain-server";
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const started: TrustDomainServer[] = [];
afterAll(async () => {
  for (const server of started) {
    server.stopWatching();
    await server.server.close({ graceMs: 0 });
  }
});

/** A Trust Domain Server in this process on `namespace`, plain HTTP, rotation checked every 200 ms. */
async function startServer(
  namespace: string,
  policy: Record<KeyUse, KeyRotationPolicy>,
  extra: Partial<TrustDomainServerOptions> = {},
): Promise<{ server: TrustDomainServer; lines: string[] }> {
  const lines: string[] = [];
  const server = await startTrustDomainServer({
    trustDomain: "example.org",
    namespace,
    hsm: { url: fixture.kek.url, keyName: fixture.kekName },
    tokenAudience: audience,
    kubeConfig: fixture.kubeConfig,
    listen: { host: "127.0.0.1", port: 0 },
    insecureHttp: true,
    preflightTimeoutMs: 30_000,
    env: { ...process.env, ...fixture.emulator.handle.env },
    onPreflightEvent: () => {},
    log: createServerLog({
      format: "text",
      stdout: { write: (line: string) => lines.push(line) },
      stderr: { write: (line: string) => lines.push(line) },
    }),
    rotation: { policy, checkIntervalMs: 200 },
    ...extra,
    // An HSM outage fails a pass in 3 s instead of the default 30 s of retries.
    hsmTimeoutMs: 3_000,
    server: { jwtTtlSeconds: 1, x509TtlSeconds: 2 },
  });
  started.push(server);
  return { server, lines };
}

/** A sample of the server's /metrics, 0 when absent. */
async function metric(url: string, name: string): Promise<number> {
  const text = (await call(url, "GET", "/metrics")).text;
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
}

/** Polls `check` every 100 ms until it is true; fails after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

interface Issued {
  readonly kind: "jwt" | "x509";
  /** The JWT, or the leaf certificate PEM. */
  readonly svid: string;
  readonly keyId: string;
  readonly expiresAt: number;
  verifiedWhileValid: number;
}

/** Verifies one SVID against `bundle` as a relying party would at `at` (ms); throws when it does not. */
async function verifyAgainst(issued: Issued, bundle: SpiffeBundle, at: number): Promise<void> {
  if (issued.kind === "jwt") {
    const jwk = bundle.keys.find((key) => key.use === "jwt-svid" && key.kid === issued.keyId);
    if (jwk === undefined) throw new Error(`jwt-svid key ${issued.keyId} is not in the bundle`);
    const key = await importJWK(
      { kty: jwk.kty, crv: jwk.crv ?? "", x: jwk.x ?? "", y: jwk.y ?? "" },
      "ES256",
    );
    await jwtVerify(issued.svid, key, {
      audience: "billing",
      algorithms: ["ES256"],
      currentDate: new Date(at),
    });
    return;
  }
  const leaf = new X509Certificate(issued.svid);
  const cas = bundle.keys
    .filter((key) => key.use === "x509-svid")
    .map((key) => new X509Certificate(Buffer.from(key.x5c?.[0] ?? "", "base64")));
  const issuer = cas.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (issuer === undefined) throw new Error(`X509-SVID ${leaf.serialNumber}: no CA of the bundle signed it`);
  if (Date.parse(leaf.validTo) < at || Date.parse(issuer.validTo) < at) throw new Error("expired");
}

describe("key rotation in a running server", { timeout: 120_000 }, () => {
  it("prepares, publishes, activates, retires and deletes keys while every SVID stays verifiable", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "rotation");
    const { admin } = await connectCluster(cluster);
    const token = await mintServiceAccountToken(admin, {
      namespace: `workload-${Date.now().toString(36)}`,
      serviceAccount: "payments",
      audience,
    });
    const { server, lines } = await startServer(namespace, {
      "jwt-svid": { lifetimeSeconds: 5, prePublishSeconds: 2 },
      "x509-svid": { lifetimeSeconds: 7, prePublishSeconds: 2 },
    });
    const { url } = server.server;
    const csr = await makeCsr();
    const issued: Issued[] = [];
    /** When each key id was first seen in a bundle, and first signed. */
    const firstPublished = new Map<string, number>();
    const firstSigned = new Map<string, number>();

    // About 20 s: four JWT and three X509 key generations at these lifetimes.
    for (let round = 0; round < 80; round++) {
      const fetchedAt = Date.now();
      const bundle = (await call(url, "GET", "/bundle")).json() as unknown as SpiffeBundle;
      for (const key of bundle.keys) {
        const id = key.kid ?? new X509Certificate(Buffer.from(key.x5c?.[0] ?? "", "base64")).fingerprint256;
        if (!firstPublished.has(id)) firstPublished.set(id, fetchedAt);
      }
      // Every SVID still valid when the bundle was fetched must verify against it.
      for (const svid of issued)
        if (svid.expiresAt > fetchedAt) {
          await expect(
            verifyAgainst(svid, bundle, fetchedAt),
            `${svid.kind} by ${svid.keyId}`,
          ).resolves.toBeUndefined();
          svid.verifiedWhileValid++;
        }

      const jwt = await call(url, "POST", "/svid/jwt", { token, body: { audience: ["billing"] } });
      expect(jwt.status, jwt.text).toBe(200);
      const jwtToken = jwt.json().token as string;
      const header = JSON.parse(Buffer.from(jwtToken.split(".")[0] ?? "", "base64url").toString()) as {
        kid: string;
      };
      const payload = JSON.parse(Buffer.from(jwtToken.split(".")[1] ?? "", "base64url").toString()) as {
        exp: number;
      };
      issued.push({
        kind: "jwt",
        svid: jwtToken,
        keyId: header.kid,
        expiresAt: payload.exp * 1000,
        verifiedWhileValid: 0,
      });
      if (!firstSigned.has(header.kid)) firstSigned.set(header.kid, Date.now());

      const x509 = await call(url, "POST", "/svid/x509", { token, body: { csr } });
      expect(x509.status, x509.text).toBe(200);
      const chain = x509.json().certificates as string;
      const leafPem = `${chain.split("-----END CERTIFICATE-----")[0]}-----END CERTIFICATE-----\n`;
      const leaf = new X509Certificate(leafPem);
      const ca = bundle.keys
        .filter((key) => key.use === "x509-svid")
        .map((key) => new X509Certificate(Buffer.from(key.x5c?.[0] ?? "", "base64")))
        .find((candidate) => leaf.checkIssued(candidate));
      // The CA that signed it was in the bundle fetched just before: never a key not yet published.
      expect(ca, "the signing CA was published before it signed").toBeDefined();
      const caId = ca?.fingerprint256 ?? "";
      issued.push({
        kind: "x509",
        svid: leafPem,
        keyId: caId,
        expiresAt: Date.parse(leaf.validTo),
        verifiedWhileValid: 0,
      });
      if (!firstSigned.has(caId)) firstSigned.set(caId, Date.now());
      await sleep(250);
    }

    const jwtKeys = new Set(issued.filter((svid) => svid.kind === "jwt").map((svid) => svid.keyId));
    const caKeys = new Set(issued.filter((svid) => svid.kind === "x509").map((svid) => svid.keyId));
    expect(jwtKeys.size).toBeGreaterThanOrEqual(3);
    expect(caKeys.size).toBeGreaterThanOrEqual(2);
    // Each key after the first was published (prepared) in a bundle fetched before its first SVID.
    for (const [id, signedAt] of firstSigned)
      expect(firstPublished.get(id) ?? Infinity).toBeLessThan(signedAt);
    // Every SVID was checked at least once while valid (the first check is the round after it was issued).
    const unchecked = issued.filter(
      (svid) => svid.verifiedWhileValid === 0 && svid.expiresAt > Date.now() + 1000,
    );
    expect(issued.filter((svid) => svid.verifiedWhileValid > 0).length).toBeGreaterThan(issued.length / 2);
    expect(unchecked.length).toBeLessThanOrEqual(2);

    // Expired keys were deleted: what is stored is the live keys of each use, nothing piles up.
    const { records } = await fixture.store(namespace).list();
    const live = records.filter((record) => Date.parse(record.spec.notAfter) > Date.now() - 1000);
    expect(records.length - live.length).toBeLessThanOrEqual(2);
    expect(records.length).toBeLessThanOrEqual(6);
    const log = lines.join("");
    expect(log).toContain("next signing key stored and published");
    expect(log).toContain("signing key retired");
    expect(log).toContain("signing key expired and deleted");
    expect(log).not.toContain("rotation failed");
  });

  it("keeps signing while the HSM is down, retries rotation with backoff, counts it in /metrics, and rotates once it is back", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "rotation-hsm-down");
    const { admin } = await connectCluster(cluster);
    const token = await mintServiceAccountToken(admin, {
      namespace: `workload-${Date.now().toString(36)}`,
      serviceAccount: "payments",
      audience,
    });
    const { faults, log } = fixture.emulator.handle.state;
    const seen = log.entries().length;
    // The next JWT key is due 2 s after start; the first one lives 60 s, longer than this test.
    const { server, lines } = await startServer(namespace, {
      "jwt-svid": { lifetimeSeconds: 60, prePublishSeconds: 57 },
      "x509-svid": { lifetimeSeconds: 600, prePublishSeconds: 60 },
    });
    faults.add({ kind: "unavailable", hsm: "localhsm" });
    const { url } = server.server;
    const failures = 'spirl_keywrap_key_maintenance_failures_total{task="rotation"}';
    const failing = 'spirl_keywrap_key_maintenance_consecutive_failures{task="rotation"}';
    try {
      await eventually("two failed rotations", async () => (await metric(url, failures)) >= 2);
      expect(await metric(url, failing)).toBeGreaterThanOrEqual(1);
      const jwt = await call(url, "POST", "/svid/jwt", { token, body: { audience: ["billing"] } });
      expect(jwt.status, jwt.text).toBe(200);
      expect((await call(url, "GET", "/healthz")).status).toBe(200);
      expect((await call(url, "GET", "/readyz")).status).toBe(200);
    } finally {
      faults.clear();
    }
    // The fault fired: the HSM answered 503.
    expect(
      log
        .entries()
        .slice(seen)
        .some((entry) => entry.status === 503),
    ).toBe(true);
    expect(lines.join("")).toContain("signing-key rotation failed; signing goes on with the keys held");
    await eventually("a healthy rotation", async () => (await metric(url, failing)) === 0);
    const { records } = await fixture.store(namespace).list();
    expect(records.map((record) => `${record.name}:${record.state}`).sort()).toEqual([
      "jwt-svid-1:active",
      "jwt-svid-2:prepared",
      "x509-svid-1:active",
    ]);
  });

  it("rewraps every envelope onto a new KEK version in the background, shown in /metrics; keys verify is clean", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "kek-rotation");
    const { server } = await startServer(namespace, defaultRotationPolicy, { kekCheckIntervalMs: 300 });
    const { url } = server.server;
    const store = fixture.store(namespace);
    const versions = async () =>
      (await store.list()).records.map((record) => record.spec.envelope.kek.version);
    const [before] = await versions();
    expect(new Set(await versions())).toEqual(new Set([before]));
    expect(await metric(url, `spirl_keywrap_signing_keys_by_kek_version{kek_version="${before}"}`)).toBe(2);

    const rotated = (await fixture.rotate()).properties.version ?? "";
    expect(rotated).not.toBe(before);
    await eventually("every record on the new KEK version", async () =>
      (await versions()).every((version) => version === rotated),
    );
    // The replica follows its own rewrap through the watch: the old version is at 0, so it may be disabled.
    await eventually(
      "the metrics on the new KEK version",
      async () =>
        (await metric(url, `spirl_keywrap_signing_keys_by_kek_version{kek_version="${rotated}"}`)) === 2,
    );
    expect(await metric(url, `spirl_keywrap_signing_keys_by_kek_version{kek_version="${before}"}`)).toBe(0);

    const verify = await execa(process.execPath, [cli, "keys", "verify", "--namespace", namespace], {
      env: {
        ...fixture.emulator.handle.env,
        PATH: process.env.PATH ?? "",
        KUBECONFIG: cluster.kubeconfig,
        SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: fixture.kek.url,
        SPIRL_KEYWRAP_AZURE_KEY_NAME: fixture.kekName,
        SPIRL_KEYWRAP_TRUST_DOMAIN: "example.org",
      },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    expect({ code: verify.exitCode, last: verify.stdout.trim().split("\n").at(-1) }).toEqual({
      code: 0,
      last: "2 opened, 0 failed",
    });
  });

  it("lets only the Lease holder rotate while the other replica loads its keys, and hands over when it stops", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "leader");
    const policy = {
      "jwt-svid": { lifetimeSeconds: 6, prePublishSeconds: 3 },
      "x509-svid": { lifetimeSeconds: 600, prePublishSeconds: 60 },
    };
    const lease = (identity: string) => ({
      lease: { name: "tds-leader", identity, leaseDurationSeconds: 2, retryPeriodMs: 200 },
      // A KEK check every 200 ms: one getKey per pass, so the HSM log shows who runs the passes.
      kekCheckIntervalMs: 200,
    });
    const a = await startServer(namespace, policy, lease("replica-a"));
    const b = await startServer(namespace, policy, lease("replica-b"));
    const leaderOf = async () => ({
      a: await metric(a.server.server.url, "spirl_keywrap_leader"),
      b: await metric(b.server.server.url, "spirl_keywrap_leader"),
    });
    await eventually("one leader", async () => {
      const { a: la, b: lb } = await leaderOf();
      return la + lb === 1;
    });
    const first =
      (await leaderOf()).a === 1
        ? { leader: a, other: b, id: "replica-a", otherId: "replica-b" }
        : { leader: b, other: a, id: "replica-b", otherId: "replica-a" };
    const leases = fixture.kubeConfig.makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await leases.readNamespacedLease({ name: "tds-leader", namespace })).spec?.holderIdentity;
    expect(await holder()).toBe(first.id);
    const getKeys = (server: TrustDomainServer) => server.hsm.stats().byOperation.getKey ?? 0;
    const before = { leader: getKeys(first.leader.server), other: getKeys(first.other.server) };

    await eventually("the next JWT key", async () =>
      (await fixture.store(namespace).list()).records.some((record) => record.name === "jwt-svid-2"),
    );
    // The follower loads it from the watch: it publishes the key the leader made.
    await eventually("the follower publishing jwt-svid-2", async () => {
      const bundle = (
        await call(first.other.server.server.url, "GET", "/bundle")
      ).json() as unknown as SpiffeBundle;
      return bundle.keys.filter((key) => key.use === "jwt-svid").length === 2;
    });
    expect(first.leader.lines.join("")).toContain("next signing key stored and published");
    expect(first.other.lines.join("")).not.toContain("next signing key stored");
    expect(first.other.lines.join("")).toContain("signing key loaded");
    // Only the leader ran key passes: the other replica asked the HSM for no key version meanwhile.
    expect(getKeys(first.leader.server)).toBeGreaterThan(before.leader);
    expect(getKeys(first.other.server)).toBe(before.other);

    // The leader stops: it gives the lease up and the other replica takes over, and rotates.
    first.leader.server.stopWatching();
    await first.leader.server.server.close({ graceMs: 0 });
    await eventually(
      "the other replica leading",
      async () => (await metric(first.other.server.server.url, "spirl_keywrap_leader")) === 1,
    );
    expect(await holder()).toBe(first.otherId);
    await eventually("a rotation by the new leader", async () =>
      first.other.lines.join("").includes("next signing key stored and published"),
    );
  });
});
