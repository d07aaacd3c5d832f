import { isEnvelopeError } from "../envelope/index.ts";
import {
  type OpenedKey,
  recordSequence,
  type SigningKeyRecord,
  type SigningKeyStore,
} from "../keystore/index.ts";
import { type KeyUse, keyUses, MemorySigningKeySet, type SvidSigningKey } from "../svid/index.ts";
import type { ServerLog } from "./server-log.ts";
import { ServerStartError } from "./server-start-error.ts";
import { storeNewSigningKey } from "./store-new-signing-key.ts";
import { svidKeyOf } from "./svid-key-of.ts";

/** Options of {@link prepareSigningKeys}. */
export interface PrepareSigningKeysOptions {
  /** The namespace's SigningKey store. */
  readonly store: Pick<SigningKeyStore, "loadAll" | "createKey" | "setState" | "namespace">;
  readonly trustDomain: string;
  /** Lifetime of a key generated here, per use, in seconds. Default 7 days for each use. */
  readonly lifetimeSeconds?: Partial<Readonly<Record<KeyUse, number>>>;
  readonly log: ServerLog;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** The keys the server will sign with, and where to watch the store from. */
export interface PreparedKeys {
  readonly keys: MemorySigningKeySet;
  /** The list's resourceVersion. */
  readonly resourceVersion: string;
  /** Names of the SigningKeys this start created. */
  readonly created: readonly string[];
  /** The resource name each held key was opened from, by key id. */
  readonly names: ReadonlyMap<string, string>;
  /** The resourceVersion of each record this start wrote (created, activated, retired), by name. */
  readonly versions: ReadonlyMap<string, string>;
}

const defaultLifetimeSeconds = 7 * 86_400;

/** An envelope refusal that no retry changes; anything else (an HSM or API server failure) may pass. */
function isPermanentRefusal(error: unknown): boolean {
  return isEnvelopeError(error) && error.code !== "ENVELOPE_HSM_FAILED";
}

function keysUnavailable(what: string, error: unknown): ServerStartError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ServerStartError(`${what}: ${reason}`, { code: "KEYS_UNAVAILABLE", cause: error });
}

/**
 * Start step 3: loads and opens every SigningKey of the namespace (one HSM decrypt each), refuses a
 * provider mismatch, and makes sure each use has an active key. A `prepared` key left by a crash is
 * activated; with none, a new P-256 key (and for x509-svid its CA certificate) is created, stored as an
 * envelope and only then activated: a key is never used before it is persisted. Racing replicas end with
 * one key per use (the store's deterministic names).
 */
export async function prepareSigningKeys(options: PrepareSigningKeysOptions): Promise<PreparedKeys> {
  const { store, log, trustDomain } = options;
  const now = (options.now ?? (() => new Date()))();
  let loaded: Awaited<ReturnType<typeof store.loadAll>>;
  try {
    loaded = await store.loadAll();
  } catch (error) {
    if (isEnvelopeError(error) && error.code === "PROVIDER_MISMATCH")
      throw new ServerStartError(error.message, {
        code: "PROVIDER_MISMATCH",
        cause: error,
      });
    throw keysUnavailable(`SigningKeys in namespace ${store.namespace} could not be loaded`, error);
  }
  for (const failure of loaded.failures)
    log({
      level: "error",
      msg: "signing key did not open; it is not used",
      fields: { resource: `${failure.record.namespace}/${failure.record.name}`, code: failure.error.code },
    });
  // A key that failed to open for a passing reason (HSM busy or down, API server error) is still good:
  // starting without it would create a successor while it stays active, and drop it from the bundle.
  // Fail the start instead; the pod restarts and tries again.
  const passing = loaded.failures.find(({ error }) => !isPermanentRefusal(error));
  if (passing !== undefined)
    throw keysUnavailable(
      `SigningKey ${passing.record.namespace}/${passing.record.name} could not be opened (${passing.error.code}), try again`,
      passing.error,
    );

  const keys = new MemorySigningKeySet();
  const names = new Map<string, string>();
  const usable: { opened: OpenedKey; key: SvidSigningKey }[] = [];
  for (const opened of loaded.keys) {
    if (new Date(opened.record.spec.notAfter) <= now) continue;
    const resource = `${opened.record.namespace}/${opened.record.name}`;
    try {
      const key = svidKeyOf(opened, trustDomain);
      usable.push({ opened, key });
      keys.put(key, opened.record.state, { kekVersion: opened.record.spec.envelope.kek.version });
      names.set(key.keyId, opened.record.name);
    } catch (error) {
      log({
        level: "error",
        msg: "signing key refused; it is not used",
        fields: { resource, error: String(error) },
      });
    }
  }

  const versions = new Map<string, string>();
  // Best effort: the successor is already active, and rotation retires any older active key it finds.
  const retire = async (previous: SigningKeyRecord) => {
    const resource = `${previous.namespace}/${previous.name}`;
    try {
      const retired = await store.setState(previous.name, "retired", { from: "active" });
      versions.set(retired.name, retired.resourceVersion);
      log({ level: "info", msg: "signing key retired", fields: { resource } });
    } catch (error) {
      log({
        level: "error",
        msg: "signing key could not be retired",
        fields: { resource, error: String(error) },
      });
    }
  };
  const created: string[] = [];
  const allRecords = [...loaded.keys, ...loaded.failures].map((entry) => entry.record);
  const newest = (records: readonly SigningKeyRecord[]) =>
    [...records].sort((a, b) => recordSequence(b) - recordSequence(a))[0];
  for (const use of keyUses) {
    const ofUse = usable.filter(({ opened }) => opened.record.spec.use === use);
    if (ofUse.some(({ opened }) => opened.record.state === "active")) continue;
    // A prepared key is already stored (a start that crashed before activating it): activate that one.
    const preparedRecord = newest(
      ofUse.filter(({ opened }) => opened.record.state === "prepared").map(({ opened }) => opened.record),
    );
    let next = ofUse.find(({ opened }) => opened.record.name === preparedRecord?.name);
    if (next === undefined) {
      const follows = newest(allRecords.filter((record) => record.spec.use === use))?.name;
      let result: Awaited<ReturnType<typeof store.createKey>>;
      try {
        result = await storeNewSigningKey({
          store,
          trustDomain,
          use,
          follows,
          notBefore: now,
          lifetimeSeconds: options.lifetimeSeconds?.[use] ?? defaultLifetimeSeconds,
        });
      } catch (error) {
        throw keysUnavailable(
          `a new ${use} SigningKey could not be stored in namespace ${store.namespace}`,
          error,
        );
      }
      if (result.created) created.push(result.record.name);
      log({
        level: "info",
        msg: result.created
          ? "signing key created and stored"
          : "signing key stored by another replica; using it",
        fields: {
          resource: `${result.record.namespace}/${result.record.name}`,
          use,
          keyId: result.record.spec.keyId,
        },
      });
      next = { opened: result, key: svidKeyOf(result, trustDomain) };
    }
    const { record } = next.opened;
    try {
      const active = await store.setState(record.name, "active", { from: "prepared" });
      versions.set(active.name, active.resourceVersion);
      keys.put(next.key, "active", { kekVersion: active.spec.envelope.kek.version });
      names.set(next.key.keyId, record.name);
    } catch (error) {
      throw keysUnavailable(`SigningKey ${record.namespace}/${record.name} could not be activated`, error);
    }
    log({
      level: "info",
      msg: "signing key activated",
      fields: { resource: `${record.namespace}/${record.name}`, use },
    });
    // The active keys it replaces (expired or refused) must not stay `active` beside it.
    for (const previous of allRecords)
      if (previous.spec.use === use && previous.state === "active" && previous.name !== record.name)
        await retire(previous);
  }
  return { keys, resourceVersion: loaded.resourceVersion, created, names, versions };
}
