import { createPublicKey } from "node:crypto";
import type { KeyVersion, StoredKey } from "./key-store.ts";
import { recoverableDays } from "./key-store.ts";

/** `https://<hsm>.managedhsm.azure.net`, the vault URL every `kid` starts with. */
export type HsmUrl = string;

/** The `kid`: always versioned, as the service returns it. */
export function keyId(hsmUrl: HsmUrl, name: string, version: KeyVersion): string {
  return `${hsmUrl}/keys/${name}/${version.version}`;
}

function attributes(version: KeyVersion) {
  return {
    ...version.attributes,
    ...(version.keySize !== undefined && { key_size: version.keySize }),
    recoverableDays,
    recoveryLevel: "CustomizedRecoverable+Purgeable",
  };
}

/** The public half of a key as JWK members; oct-HSM keys never expose `k`. */
function publicMembers(version: KeyVersion): Record<string, string> {
  if (version.privateKey === undefined) return {};
  const jwk = createPublicKey(version.privateKey).export({ format: "jwk" });
  return version.kty === "RSA-HSM"
    ? { n: jwk.n ?? "", e: jwk.e ?? "" }
    : { crv: version.curve ?? "", x: jwk.x ?? "", y: jwk.y ?? "" };
}

/** A KeyBundle as `GET /keys/{name}/{version}` returns it (§2.6 of the wire spec). */
export function keyBundle(hsmUrl: HsmUrl, name: string, version: KeyVersion) {
  return {
    attributes: attributes(version),
    key: {
      key_ops: version.keyOps,
      kid: keyId(hsmUrl, name, version),
      kty: version.kty,
      ...publicMembers(version),
    },
    ...(version.tags !== undefined && { tags: version.tags }),
  };
}

/** A KeyItem as `GET /keys/{name}/versions` lists it (no `key_size`). */
export function keyItem(hsmUrl: HsmUrl, name: string, version: KeyVersion) {
  const { key_size: _keySize, ...listed } = attributes(version);
  return {
    attributes: listed,
    kid: keyId(hsmUrl, name, version),
    ...(version.tags !== undefined && { tags: version.tags }),
  };
}

/** Where a deleted key is named: its `recoveryId`, and the resource its 404 names. */
export function recoveryId(hsmUrl: HsmUrl, name: string): string {
  return `${hsmUrl}/deletedkeys/${name}`;
}

/** A DeletedKeyItem as `GET /deletedkeys` lists it: the KeyItem of the latest version plus recovery fields. */
export function deletedKeyItem(hsmUrl: HsmUrl, key: StoredKey) {
  const { kid: _versioned, ...item } = keyItem(
    hsmUrl,
    key.name,
    key.versions[key.versions.length - 1] as KeyVersion,
  );
  return {
    ...item,
    deletedDate: key.deleted?.deletedDate,
    kid: `${hsmUrl}/keys/${key.name}`,
    recoveryId: recoveryId(hsmUrl, key.name),
    scheduledPurgeDate: key.deleted?.scheduledPurgeDate,
  };
}

/**
 * The rotation policy of a key that has none set: Key Vault's default (notify 30 days before
 * expiry), with the policy's own id. The exact Managed HSM default is not in a capture we hold.
 */
export function defaultRotationPolicy(hsmUrl: HsmUrl, name: string) {
  return {
    id: `${hsmUrl}/keys/${name}/rotationpolicy`,
    lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }],
    attributes: {},
  };
}

/** A DeletedKeyBundle: the latest version plus recovery fields; no `key_size`, as in real captures. */
export function deletedKeyBundle(hsmUrl: HsmUrl, key: StoredKey) {
  const latest = key.versions[key.versions.length - 1] as KeyVersion;
  const bundle = keyBundle(hsmUrl, key.name, latest);
  const { key_size: _keySize, ...attributesWithoutSize } = bundle.attributes;
  return {
    ...bundle,
    attributes: attributesWithoutSize,
    deletedDate: key.deleted?.deletedDate,
    recoveryId: recoveryId(hsmUrl, key.name),
    scheduledPurgeDate: key.deleted?.scheduledPurgeDate,
  };
}
