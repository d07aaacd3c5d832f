import type { SigningKeyRecord, SigningKeyStore } from "../keystore/index.ts";
import type { MemorySigningKeySet } from "../svid/index.ts";
import type { ServerLog } from "./server-log.ts";
import { svidKeyOf } from "./svid-key-of.ts";

/** Options of {@link followSigningKeys}. */
export interface FollowSigningKeysOptions {
  readonly store: Pick<SigningKeyStore, "watch" | "open">;
  readonly keys: MemorySigningKeySet;
  /** The resourceVersion of the list the keys were loaded from. */
  readonly resourceVersion: string;
  /**
   * The resourceVersion of each record as the keys now reflect it, by name (what the start wrote). The
   * watch begins at the list's version, before the start's own writes: their older events are skipped.
   */
  readonly versions?: ReadonlyMap<string, string>;
  /** The resource name each held key was opened from, by key id (updated as keys come and go). */
  readonly names: Map<string, string>;
  readonly trustDomain: string;
  readonly log: ServerLog;
  /** Stops the watch. */
  readonly signal: AbortSignal;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Keeps the in-memory keys in step with the namespace's SigningKeys (client-go's list-then-watch): a
 * state or KEK-version change of a held key's own resource is applied without opening it again; a key
 * that appears (another replica's rotation) is opened once, its one HSM call, and so is a copy of a held
 * key under another name, which its envelope's context then refuses; a deleted or expired key is dropped.
 * Events are applied one at a time, in order. The request path never waits for any of this.
 */
export function followSigningKeys(options: FollowSigningKeysOptions): void {
  const { keys, log, names } = options;
  const now = options.now ?? (() => new Date());
  const versions = new Map(options.versions);
  const apply = async (record: SigningKeyRecord) => {
    if (isOlder(record.resourceVersion, versions.get(record.name))) return;
    versions.set(record.name, record.resourceVersion);
    const { keyId } = record.spec;
    if (new Date(record.spec.notAfter) <= now()) {
      if (names.get(keyId) === record.name) drop(record);
      return;
    }
    const kekVersion = record.spec.envelope.kek.version;
    const held = keys.get(keyId);
    if (held !== undefined && names.get(keyId) === record.name) {
      keys.put(held, record.state, { kekVersion });
      return;
    }
    const resource = `${record.namespace}/${record.name}`;
    try {
      const privateKey = await options.store.open(record);
      keys.put(svidKeyOf({ record, privateKey }, options.trustDomain), record.state, { kekVersion });
      names.set(keyId, record.name);
      log({
        level: "info",
        msg: "signing key loaded",
        fields: { resource, use: record.spec.use, state: record.state },
      });
    } catch (error) {
      log({
        level: "error",
        msg: "signing key did not open; it is not used",
        fields: { resource, error: String(error) },
      });
    }
  };
  const drop = (record: SigningKeyRecord) => {
    if (names.get(record.spec.keyId) !== record.name) return;
    keys.remove(record.spec.keyId);
    names.delete(record.spec.keyId);
  };
  let queue = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work, work);
  };
  options.store.watch({
    resourceVersion: options.resourceVersion,
    signal: options.signal,
    onEvent: (event) => {
      if (event.type === "deleted")
        enqueue(async () => {
          versions.delete(event.record.name);
          drop(event.record);
        });
      else if (event.type === "resynced")
        enqueue(async () => {
          const present = new Set(event.records.map((record) => record.name));
          for (const [keyId, name] of names)
            if (!present.has(name)) {
              keys.remove(keyId);
              names.delete(keyId);
            }
          for (const record of event.records) await apply(record);
        });
      else enqueue(() => apply(event.record));
    },
    onError: (error) =>
      log({
        level: "error",
        msg: "watching SigningKeys stopped; keys held are still used",
        fields: { error: String(error) },
      }),
  });
}

/**
 * Whether `version` is older than or as old as `applied`. resourceVersions are opaque to clients in
 * general, but for one object they are the store's (etcd's) increasing revision numbers; anything not
 * numeric is never treated as older.
 */
function isOlder(version: string, applied: string | undefined): boolean {
  if (applied === undefined || !/^\d+$/.test(version) || !/^\d+$/.test(applied)) return false;
  return BigInt(version) <= BigInt(applied);
}
