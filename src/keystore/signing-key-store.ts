import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { calculateJwkThumbprint } from "jose";
import {
  EnvelopeError,
  isEnvelopeError,
  type KekClient,
  type KekConfig,
  openEnvelope,
  type PublicJwk,
  parseEnvelope,
  type RecordLocation,
  type RewrapStep,
  rewrapEnvelope,
  sealPrivateKey,
} from "../envelope/index.ts";
import {
  backoffMs,
  createDeadline,
  type Deadline,
  type HsmKey,
  type ManagedHsmKeyClient,
  type RetryPolicy,
} from "../hsm/index.ts";
import { isKeyStoreError, KeyStoreError } from "./keystore-error.ts";
import { mapLimit } from "./map-limit.ts";
import { apiStatusOf, type RawWatchEvent, SigningKeyApi } from "./signing-key-api.ts";
import {
  type KeyState,
  type KeyUse,
  keyName,
  labels,
  recordOf,
  type SigningKeyRecord,
  type SigningKeySpec,
  sequenceOf,
  signingKeyCrd,
} from "./signing-key-resource.ts";

/** The HSM calls the store makes: a {@link ManagedHsmKeyClient} is one. */
export type StoreHsm = KekClient & Pick<ManagedHsmKeyClient, "getKey">;

/** Options of {@link SigningKeyStore}. */
export interface SigningKeyStoreOptions {
  /** Where the API server is (`KubeConfig.loadFromDefault()`: KUBECONFIG, else in-cluster). */
  readonly kubeConfig: KubeConfig;
  /** The namespace whose SigningKeys this store owns. */
  readonly namespace: string;
  /** The server's trust domain; part of every record's context. */
  readonly trustDomain: string;
  /** The configured KEK (`--url`, `--key-name`, `--key-version`); no version means the latest. */
  readonly kek: KekConfig & { readonly version?: string | undefined };
  readonly hsm: StoreHsm;
  /** Budget of the HSM calls for one record (retries included), in ms. Default 30000. */
  readonly hsmTimeoutMs?: number;
  /**
   * Budget of one whole `loadAll`, `verify` or `rewrap` (every record, the list included), in ms; each
   * record gets the earlier of this and its own `hsmTimeoutMs`. Default 300000.
   */
  readonly timeoutMs?: number;
  /** Records opened or rewrapped at once. Default 4. */
  readonly concurrency?: number;
  /** Times an update re-reads after a 409 before giving up with `KEYSTORE_CONFLICT`. Default 5. */
  readonly conflictRetries?: number;
}

/** Options of {@link SigningKeyStore.createKey}. */
export interface CreateKeyOptions {
  readonly use: KeyUse;
  /**
   * The newest key of this use the caller knows (its name), which the new key follows; default: none, so
   * the new key is the use's first (`<use>-1`). Writers that know the same newest key target the same name.
   */
  readonly follows?: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /**
   * The key to store (ECDSA P-256), e.g. from src/svid's generateSigningKey; default: a fresh P-256 key.
   * Either way it is sealed and stored before createKey returns it.
   */
  readonly privateKey?: KeyObject;
  /** For x509-svid (required there, not called for jwt-svid): issues the new key's CA certificate PEM before it is stored. */
  readonly certify?: (key: {
    readonly privateKey: KeyObject;
    readonly publicKey: PublicJwk;
    readonly keyId: string;
  }) => Promise<string>;
}

/** A key the store opened. */
export interface OpenedKey {
  readonly record: SigningKeyRecord;
  readonly privateKey: KeyObject;
}

/** What {@link SigningKeyStore.createKey} ended with. */
export interface CreatedKey extends OpenedKey {
  /** False when another writer created the same `<use>-<sequence>` first: its key is returned instead. */
  readonly created: boolean;
}

/** A record that did not open, and why. */
export interface LoadFailure {
  readonly record: SigningKeyRecord;
  readonly error: EnvelopeError | KeyStoreError;
}

/** The result of {@link SigningKeyStore.loadAll}. */
export interface LoadedKeys {
  readonly keys: readonly OpenedKey[];
  readonly failures: readonly LoadFailure[];
  /** The list's resourceVersion: start {@link SigningKeyStore.watch} from here. */
  readonly resourceVersion: string;
}

/** A change seen by {@link SigningKeyStore.watch}. */
export type SigningKeyEvent =
  | { readonly type: "added" | "modified" | "deleted"; readonly record: SigningKeyRecord }
  /** The watch fell too far behind (410 Gone) and re-listed: `records` is the whole current set. */
  | { readonly type: "resynced"; readonly records: readonly SigningKeyRecord[] };

/** What happened to one record in a rewrap. */
export interface RewrapOutcome {
  readonly name: string;
  /** The KEK version the record was on when read. */
  readonly from: string;
  readonly outcome:
    | "rewrapped"
    /** Already on the target version. */
    | "current"
    /** Would be rewrapped (dry run). */
    | "pending"
    /** Deleted by someone else while the rewrap ran: nothing left to move. */
    | "gone"
    | "failed";
  readonly error?: EnvelopeError | KeyStoreError;
}

/** The result of {@link SigningKeyStore.rewrap}. */
export interface RewrapReport {
  readonly targetVersion: string;
  readonly records: readonly RewrapOutcome[];
}

/** Options of {@link SigningKeyStore.rewrap}. */
export interface RewrapOptions {
  /** Only report which records are not on the target version. Default false. */
  readonly dryRun?: boolean;
  /** Called after each step of each record, the store's `updated` included (tests inject kills here). */
  readonly onStep?: (step: RewrapStep | "updated", name: string) => void | Promise<void>;
}

/**
 * The SigningKey store of one namespace (see src/keystore/index.ts for the contract).
 */
export class SigningKeyStore {
  readonly #api: SigningKeyApi;
  readonly #options: SigningKeyStoreOptions;

  constructor(options: SigningKeyStoreOptions) {
    this.#options = options;
    this.#api = new SigningKeyApi(options.kubeConfig, options.namespace);
  }

  get namespace(): string {
    return this.#options.namespace;
  }

  /** Every record of the namespace and the list's resourceVersion. */
  list(): Promise<{ records: SigningKeyRecord[]; resourceVersion: string }> {
    return listSigningKeys(this.#options.kubeConfig, this.namespace);
  }

  /** Re-reads one record. */
  async get(name: string): Promise<SigningKeyRecord> {
    return recordOf(await this.#api.get(name));
  }

  /** Where a record was found, as its context must name it. */
  #location(record: SigningKeyRecord): RecordLocation {
    return {
      trustDomain: this.#options.trustDomain,
      namespace: record.namespace,
      name: record.name,
      keyId: record.spec.keyId,
      use: record.spec.use,
      publicKey: record.spec.publicKey,
    };
  }

  /** One record's budget, cut short by the whole operation's (`overall`) when that ends first. */
  #deadline(overall?: Deadline): Deadline {
    const own = createDeadline(this.#options.hsmTimeoutMs ?? 30_000);
    return overall !== undefined && overall.at < own.at ? overall : own;
  }

  /** The budget of one whole loadAll, verify or rewrap. */
  #operationDeadline(): Deadline {
    return createDeadline(this.#options.timeoutMs ?? 300_000);
  }

  /**
   * Fails fast, before any HSM call, when a record names another provider, HSM or KEK name than the
   * configuration (a different KEK version is normal). The error names the resource and both sides.
   */
  checkProvider(records: readonly SigningKeyRecord[]): void {
    for (const record of records) {
      try {
        parseEnvelope(record.spec.envelope, this.#options.kek);
      } catch (error) {
        if (isEnvelopeError(error) && error.code === "PROVIDER_MISMATCH") throw this.#named(record, error);
      }
    }
  }

  #named(record: SigningKeyRecord, error: EnvelopeError): EnvelopeError {
    return new EnvelopeError(`SigningKey ${record.namespace}/${record.name}: ${error.message}`, {
      code: error.code,
      ...(error.field !== undefined && { field: error.field }),
      ...(error.layer !== undefined && { layer: error.layer }),
      cause: error,
    });
  }

  /** Opens one record: one HSM decrypt with its recorded KEK version. Errors name the resource. */
  open(record: SigningKeyRecord): Promise<KeyObject> {
    return this.#open(record);
  }

  async #open(record: SigningKeyRecord, overall?: Deadline): Promise<KeyObject> {
    try {
      return await openEnvelope({
        envelope: record.spec.envelope,
        location: this.#location(record),
        kekConfig: this.#options.kek,
        hsm: this.#options.hsm,
        deadline: this.#deadline(overall),
      });
    } catch (error) {
      throw isEnvelopeError(error) ? this.#named(record, error) : error;
    }
  }

  /**
   * Lists and opens every record (bounded concurrency, one HSM decrypt each). A provider mismatch fails
   * the whole load at once; any other refusal is reported per record in `failures`.
   */
  async loadAll(): Promise<LoadedKeys> {
    const overall = this.#operationDeadline();
    const { records, resourceVersion } = await this.list();
    this.checkProvider(records);
    return { ...(await this.#openEach(records, overall)), resourceVersion };
  }

  /**
   * Opens every record and reports each one's refusal, a provider mismatch included: what
   * `spirl-keywrap keys verify` prints. The keys themselves are dropped at once.
   */
  async verify(): Promise<{
    readonly ok: readonly SigningKeyRecord[];
    readonly failures: readonly LoadFailure[];
  }> {
    const overall = this.#operationDeadline();
    const { keys, failures } = await this.#openEach((await this.list()).records, overall);
    return { ok: keys.map((key) => key.record), failures };
  }

  async #openEach(records: readonly SigningKeyRecord[], overall: Deadline) {
    const keys: OpenedKey[] = [];
    const failures: LoadFailure[] = [];
    await mapLimit(records, this.#options.concurrency ?? 4, async (record) => {
      try {
        keys.push({ record, privateKey: await this.#open(record, overall) });
      } catch (error) {
        if (!isEnvelopeError(error) && !isKeyStoreError(error)) throw error;
        failures.push({ record, error });
      }
    });
    const byName = (a: { record: SigningKeyRecord }, b: { record: SigningKeyRecord }) =>
      a.record.name.localeCompare(b.record.name);
    return { keys: keys.sort(byName), failures: failures.sort(byName) };
  }

  /**
   * Watches the namespace from `resourceVersion` (the list's), calling `onEvent` per change. A server-side
   * close resumes from the last version seen, a failed request after a capped, jittered exponential
   * backoff (reset by the next event); 410 Gone re-lists and reports `resynced`. Stops when `signal`
   * aborts; `onError` gets, once, what retrying cannot fix (a `KeyStoreError` with status 401, 403 or 404:
   * no permission or no CRD) or a failed re-list, and then the watch has stopped.
   */
  watch(options: {
    readonly resourceVersion: string;
    readonly onEvent: (event: SigningKeyEvent) => void;
    readonly onError?: (error: unknown) => void;
    readonly signal: AbortSignal;
    /** How long the server keeps one watch request open before the store resumes with a new one. Default 300. */
    readonly timeoutSeconds?: number;
    /** Backoff between failed watch requests (jittered, doubling). Default 1 s doubling up to 30 s. */
    readonly retry?: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">;
  }): void {
    const retry = { baseDelayMs: 1000, maxDelayMs: 30_000, ...options.retry };
    let last = options.resourceVersion;
    let controller: AbortController | undefined;
    let failures = 0;
    options.signal.addEventListener("abort", () => controller?.abort(), { once: true });
    const start = () => {
      if (options.signal.aborted) return;
      this.#api
        .watch(last, options.timeoutSeconds ?? 300, onRaw, onDone)
        .then((started) => {
          controller = started;
          if (options.signal.aborted) started.abort();
        })
        .catch(onDone);
    };
    let gone = false;
    const onRaw = (event: RawWatchEvent) => {
      if (event.type === "ERROR") {
        gone = event.object.code === 410;
        return;
      }
      failures = 0;
      last = event.object.metadata?.resourceVersion ?? last;
      if (event.type === "BOOKMARK") return;
      const type = event.type === "ADDED" ? "added" : event.type === "MODIFIED" ? "modified" : "deleted";
      options.onEvent({ type, record: recordOf(event.object) });
    };
    const onDone = (error: unknown) => {
      if (options.signal.aborted) return;
      const status = apiStatusOf(error);
      if (gone || status === 410) {
        gone = false;
        this.list()
          .then(({ records, resourceVersion }) => {
            last = resourceVersion;
            options.onEvent({ type: "resynced", records });
            start();
          })
          .catch((listError: unknown) => options.onError?.(listError));
        return;
      }
      // No permission or no CRD: repeating cannot fix it; report it once and stop.
      if (status === 401 || status === 403 || status === 404) {
        options.onError?.(this.#api.fail("watch", undefined, error));
        return;
      }
      // A server-side close (no error) resumes at once; a failure after a growing, jittered pause, so a
      // broken API server is not hammered by every replica in step.
      if (error === null || error === undefined) start();
      else setTimeout(start, backoffMs(failures++, retry)).unref();
    };
    start();
  }

  /**
   * Creates the key that follows `follows` (default: the use's first key): a fresh P-256 key, sealed and
   * stored as `<use>-<n+1>` before anyone may use it. The name is decided by what the caller knows, not by
   * timing, so writers racing for the same slot compute the same name; the API server admits one create,
   * the others get 409, re-read, and return the winner's key (`created: false`) after opening it: all end
   * with one key. A loser's key was never stored, so never used.
   */
  async createKey(options: CreateKeyOptions): Promise<CreatedKey> {
    if (options.use === "x509-svid" && options.certify === undefined)
      throw new KeyStoreError("createKey: an x509-svid key needs certify to issue its CA certificate", {
        code: "KEYSTORE_INVALID_REQUEST",
      });
    const previous = options.follows === undefined ? 0 : sequenceOf(options.follows, options.use);
    if (previous === undefined)
      throw new KeyStoreError(
        `createKey: follows must name a ${options.use} key (${options.use}-<n>); got ${JSON.stringify(options.follows)}`,
        { code: "KEYSTORE_INVALID_REQUEST" },
      );
    const sequence = previous + 1;
    const name = keyName(options.use, sequence);
    const privateKey = options.privateKey ?? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1")
      throw new KeyStoreError("createKey: privateKey must be an ECDSA P-256 private key (ES256)", {
        code: "KEYSTORE_INVALID_REQUEST",
      });
    const kek = await this.targetKek();
    const sealedKeyId = await keyIdOf(privateKey);
    const sealed = await sealPrivateKey({
      privateKey,
      location: {
        trustDomain: this.#options.trustDomain,
        namespace: this.namespace,
        name,
        keyId: sealedKeyId,
        use: options.use,
      },
      kekConfig: this.#options.kek,
      kek,
      hsm: this.#options.hsm,
      deadline: this.#deadline(),
    });
    // Only an x509-svid key has a CA certificate (the CRD refuses one on a jwt-svid key).
    const caCertificate =
      options.use !== "x509-svid"
        ? undefined
        : await options.certify?.({
            privateKey,
            publicKey: sealed.publicKey,
            keyId: sealedKeyId,
          });
    const spec: SigningKeySpec = {
      keyId: sealedKeyId,
      use: options.use,
      algorithm: "ES256",
      publicKey: sealed.publicKey,
      notBefore: options.notBefore.toISOString(),
      notAfter: options.notAfter.toISOString(),
      ...(caCertificate !== undefined && { caCertificate }),
      envelope: sealed.envelope,
    };
    const body = {
      apiVersion: `${signingKeyCrd.group}/${signingKeyCrd.version}`,
      kind: signingKeyCrd.kind,
      metadata: {
        name,
        namespace: this.namespace,
        labels: { [labels.use]: options.use, [labels.sequence]: String(sequence) },
      },
      spec,
    };
    try {
      const created = recordOf(await this.#api.create(body, name));
      return { created: true, record: created, privateKey };
    } catch (error) {
      if (!(isKeyStoreError(error) && error.status === 409)) throw error;
      const winner = await this.get(name);
      return { created: false, record: winner, privateKey: await this.open(winner) };
    }
  }

  /**
   * Moves a record to `state` through the status subresource with its resourceVersion as precondition.
   * On 409 it re-reads: if the record is still in `from` (when given) the change is applied to the fresh
   * copy, otherwise `KEYSTORE_CONFLICT` says who won; a state is never overwritten blindly.
   */
  async setState(name: string, state: KeyState, options: { readonly from?: KeyState } = {}) {
    let current = await this.#api.get(name);
    for (let attempt = 0; ; attempt++) {
      const record = recordOf(current);
      if (record.state === state) return record;
      if (options.from !== undefined && record.state !== options.from)
        throw new KeyStoreError(
          `SigningKey ${this.namespace}/${name}: expected state ${options.from} to move to ${state}; got ${record.state} (changed by another writer)`,
          { code: "KEYSTORE_CONFLICT", resource: `${this.namespace}/${name}` },
        );
      try {
        return recordOf(await this.#api.replaceStatus({ ...current, status: { ...current.status, state } }));
      } catch (error) {
        if (!(isKeyStoreError(error) && error.status === 409) || attempt >= this.#conflictRetries())
          throw error;
        current = await this.#api.get(name);
      }
    }
  }

  /**
   * Deletes a record as it was read (its resourceVersion is the precondition): a record another writer
   * changed since is not deleted (`KEYSTORE_CONFLICT`); one already gone is done (returns false).
   */
  async delete(record: Pick<SigningKeyRecord, "name" | "resourceVersion">): Promise<boolean> {
    try {
      await this.#api.delete(record.name, record.resourceVersion);
      return true;
    } catch (error) {
      if (isKeyStoreError(error) && error.status === 404) return false;
      throw error;
    }
  }

  #conflictRetries() {
    return this.#options.conflictRetries ?? 5;
  }

  /** The KEK version new envelopes and rewraps use: the pinned `keyVersion`, else the latest. */
  targetKek(): Promise<HsmKey> {
    return this.#targetKek();
  }

  async #targetKek(overall?: Deadline): Promise<HsmKey> {
    const version = this.#options.kek.version;
    return this.#options.hsm.getKey(this.#options.kek.name, {
      ...(version !== undefined && version !== "" && { version }),
      deadline: this.#deadline(overall),
    });
  }

  /**
   * Rewraps every record not on the target KEK version: HSM-decrypt the DEK with the recorded version,
   * HSM-encrypt it with the target, prove the new envelope opens, then merge-patch `spec.envelope` with the
   * resourceVersion precondition (metadata such as finalizers stays). Only that last step writes,
   * atomically, so a kill at any step leaves the old or the new envelope, both openable. A 409 re-reads: a
   * record another rewrap already moved counts as current; one still behind is rewrapped again from the
   * fresh copy; one deleted meanwhile is `gone`. Idempotent; bounded concurrency; one deadline for the run.
   */
  async rewrap(options: RewrapOptions = {}): Promise<RewrapReport> {
    const overall = this.#operationDeadline();
    const { records } = await this.list();
    this.checkProvider(records);
    const target = await this.#targetKek(overall);
    const outcomes = await mapLimit(records, this.#options.concurrency ?? 4, (record) =>
      this.#rewrapOne(record, target, options, overall),
    );
    return { targetVersion: target.version, records: outcomes };
  }

  async #rewrapOne(
    record: SigningKeyRecord,
    target: HsmKey,
    options: RewrapOptions,
    overall: Deadline,
  ): Promise<RewrapOutcome> {
    const from = record.spec.envelope.kek.version;
    let current = record;
    for (let attempt = 0; ; attempt++) {
      if (current.spec.envelope.kek.version === target.version)
        return { name: record.name, from, outcome: "current" };
      if (options.dryRun === true) return { name: record.name, from, outcome: "pending" };
      try {
        const envelope = await rewrapEnvelope({
          envelope: current.spec.envelope,
          location: this.#location(current),
          kekConfig: this.#options.kek,
          target,
          hsm: this.#options.hsm,
          deadline: this.#deadline(overall),
          onStep: (step) => options.onStep?.(step, record.name),
        });
        if (envelope === undefined) return { name: record.name, from, outcome: "current" };
        await this.#api.patchEnvelope(current.name, current.resourceVersion, envelope);
        await options.onStep?.("updated", record.name);
        return { name: record.name, from, outcome: "rewrapped" };
      } catch (error) {
        if (isKeyStoreError(error) && error.status === 404)
          return { name: record.name, from, outcome: "gone" };
        if (isKeyStoreError(error) && error.status === 409 && attempt < this.#conflictRetries()) {
          const fresh = await this.#reread(record.name);
          if (fresh === undefined) return { name: record.name, from, outcome: "gone" };
          current = fresh;
          continue;
        }
        if (isEnvelopeError(error))
          return { name: record.name, from, outcome: "failed", error: this.#named(current, error) };
        if (isKeyStoreError(error)) return { name: record.name, from, outcome: "failed", error };
        throw error;
      }
    }
  }

  /** The record as it is now, or undefined when it has been deleted. */
  async #reread(name: string): Promise<SigningKeyRecord | undefined> {
    try {
      return await this.get(name);
    } catch (error) {
      if (isKeyStoreError(error) && error.status === 404) return undefined;
      throw error;
    }
  }
}

/** The records of a namespace without any HSM setting: what `keys list` shows. */
export async function listSigningKeys(kubeConfig: KubeConfig, namespace: string) {
  const { items, resourceVersion } = await new SigningKeyApi(kubeConfig, namespace).list();
  return { records: items.map(recordOf), resourceVersion };
}

/**
 * The key id: the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key, URL-safe and stable.
 * Exported from the public half only, so the private scalar `d` never lands in a JS string.
 */
async function keyIdOf(privateKey: KeyObject): Promise<string> {
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: "jwk" });
  return calculateJwkThumbprint({ kty, crv, x, y } as Parameters<typeof calculateJwkThumbprint>[0], "sha256");
}
