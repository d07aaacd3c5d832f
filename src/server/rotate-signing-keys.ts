import { recordSequence, type SigningKeyRecord, type SigningKeyStore } from "../keystore/index.ts";
import { type KeyUse, keyUses, type MemorySigningKeySet } from "../svid/index.ts";
import type { ServerLog } from "./server-log.ts";
import { storeNewSigningKey } from "./store-new-signing-key.ts";
import { svidKeyOf } from "./svid-key-of.ts";

/** How long a signing key of one use lives, and how long the next one is published before it signs. */
export interface KeyRotationPolicy {
  /** From a key's creation to its `notAfter`, in seconds. */
  readonly lifetimeSeconds: number;
  /** How long the next key is in the bundle (`prepared`) before it becomes `active`, in seconds. */
  readonly prePublishSeconds: number;
}

/**
 * Defaults. JWT-SVID keys: 7 days, the next one published 1 day ahead; X509-SVID CA keys: 30 days, 3 days
 * ahead. Pre-publication must outlast every relying party's bundle refresh (ours hints 5 minutes; federated
 * peers and trust stores copied by hand refresh far less often, CA roots the least often, hence 3 days);
 * the lifetime bounds how long a stolen key is useful against how often the HSM is called (one encrypt
 * per new key, one decrypt per replica). SPIRE's CA manager works the same way (a next key prepared and
 * published before its activation, the old one kept in the bundle until it expires), with shorter
 * defaults because its keys are never persisted.
 */
export const defaultRotationPolicy: Readonly<Record<KeyUse, KeyRotationPolicy>> = {
  "jwt-svid": { lifetimeSeconds: 7 * 86_400, prePublishSeconds: 86_400 },
  "x509-svid": { lifetimeSeconds: 30 * 86_400, prePublishSeconds: 3 * 86_400 },
};

/** Options of {@link rotateSigningKeys}. */
export interface RotateSigningKeysOptions {
  readonly store: Pick<SigningKeyStore, "list" | "createKey" | "setState" | "delete" | "namespace">;
  readonly trustDomain: string;
  readonly policy: Readonly<Record<KeyUse, KeyRotationPolicy>>;
  /** The longest SVID each use signs, in seconds: a key is replaced this long before its `notAfter`. */
  readonly svidTtlSeconds: Readonly<Record<KeyUse, number>>;
  /** The keys in memory and the resource each came from: what this pass stores or changes goes there too. */
  readonly keys: MemorySigningKeySet;
  readonly names: Map<string, string>;
  readonly log: ServerLog;
  readonly now?: () => Date;
}

/** One change a pass made. */
export interface RotationStep {
  readonly action: "prepared" | "activated" | "retired" | "deleted";
  readonly name: string;
}

/**
 * One idempotent pass over the namespace's SigningKeys, decided from the stored records and the clock
 * alone (SPIRE's CA-manager slots: current and next), so any replica, or a restarted one, picks up where
 * another stopped:
 * - a key past its `notAfter` is deleted (an SVID never outlives its key, so none is left to verify);
 * - with no `prepared` key after the active one, and `prePublish + svidTtl` or less left of the active
 *   key, the next key is created and stored as `prepared` (published in the bundle, never signing);
 * - with `svidTtl` or less left, the prepared key becomes `active`, then the old one `retired` (kept in
 *   the bundle until its `notAfter`, when its last SVID has expired).
 * The only HSM call is the new key's one `encrypt`. Races end safely: names are deterministic and every
 * state change carries the state it expects.
 */
export async function rotateSigningKeys(options: RotateSigningKeysOptions): Promise<RotationStep[]> {
  const { store, keys, names, log } = options;
  const now = (options.now ?? (() => new Date()))();
  const at = now.getTime();
  const steps: RotationStep[] = [];
  const { records } = await store.list();
  const resource = (name: string) => `${store.namespace}/${name}`;

  for (const record of records)
    if (Date.parse(record.spec.notAfter) <= at && (await store.delete(record))) {
      if (names.get(record.spec.keyId) === record.name) {
        keys.remove(record.spec.keyId);
        names.delete(record.spec.keyId);
      }
      steps.push({ action: "deleted", name: record.name });
      log({
        level: "info",
        msg: "signing key expired and deleted",
        fields: { resource: resource(record.name) },
      });
    }

  const setState = async (
    record: SigningKeyRecord,
    state: "active" | "retired",
    from: "prepared" | "active",
  ) => {
    const changed = await store.setState(record.name, state, { from });
    const held = keys.get(record.spec.keyId);
    if (held !== undefined && names.get(record.spec.keyId) === record.name)
      keys.put(held, state, { kekVersion: changed.spec.envelope.kek.version });
    steps.push({ action: state === "active" ? "activated" : "retired", name: record.name });
    log({
      level: "info",
      msg: `signing key ${state === "active" ? "activated" : "retired"}`,
      fields: { resource: resource(record.name) },
    });
  };

  const prepareNext = async (use: KeyUse): Promise<SigningKeyRecord> => {
    const newest = records
      .filter((record) => record.spec.use === use)
      .sort((a, b) => recordSequence(b) - recordSequence(a))[0];
    const created = await storeNewSigningKey({
      store,
      trustDomain: options.trustDomain,
      use,
      follows: newest?.name,
      notBefore: now,
      lifetimeSeconds: options.policy[use].lifetimeSeconds,
    });
    const { record } = created;
    // The rotating replica holds the key it just stored; the others open it when the watch shows it.
    keys.put(svidKeyOf(created, options.trustDomain), record.state, {
      kekVersion: record.spec.envelope.kek.version,
    });
    names.set(record.spec.keyId, record.name);
    steps.push({ action: "prepared", name: record.name });
    log({
      level: "info",
      msg: created.created
        ? "next signing key stored and published"
        : "next signing key stored by another replica",
      fields: { resource: resource(record.name), use, keyId: record.spec.keyId },
    });
    return record;
  };

  for (const use of keyUses) {
    const live = records
      .filter((record) => record.spec.use === use && Date.parse(record.spec.notAfter) > at)
      .sort((a, b) => recordSequence(b) - recordSequence(a));
    const actives = live.filter((record) => record.state === "active");
    const active = actives[0];
    if (active === undefined) {
      // Every key of this use ran out (no replica was running to rotate): the next one signs at once.
      await setState(
        live.find((record) => record.state === "prepared") ?? (await prepareNext(use)),
        "active",
        "prepared",
      );
      continue;
    }
    // A pass that stopped between activating the next key and retiring the old one.
    for (const older of actives.slice(1)) await setState(older, "retired", "active");
    const next = live.find(
      (record) => record.state === "prepared" && recordSequence(record) > recordSequence(active),
    );
    const left = Date.parse(active.spec.notAfter) - at;
    const ttlMs = options.svidTtlSeconds[use] * 1000;
    if (next === undefined && left <= ttlMs + options.policy[use].prePublishSeconds * 1000)
      await prepareNext(use);
    else if (next !== undefined && left <= ttlMs) {
      await setState(next, "active", "prepared");
      await setState(active, "retired", "active");
    }
  }
  return steps;
}
