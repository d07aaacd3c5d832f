import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { badParameter, ServiceError } from "./service-error.ts";

/** Key types the emulated HSM holds; all are HSM-protected, as on Managed HSM. */
export type KeyType = "oct-HSM" | "RSA-HSM" | "EC-HSM";

/** Attributes as the wire carries them (times in Unix seconds). */
export interface KeyAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  readonly created: number;
  updated: number;
  readonly exportable: boolean;
}

/** One version of a key with its material, which never leaves the emulator. */
export interface KeyVersion {
  readonly version: string;
  readonly kty: KeyType;
  /** Bits: AES key length or RSA modulus length; absent for EC. */
  readonly keySize?: number;
  readonly curve?: string;
  /** AES key bytes (oct-HSM). */
  readonly secret?: Buffer;
  /** RSA or EC private key. */
  readonly privateKey?: KeyObject;
  keyOps: string[];
  readonly attributes: KeyAttributes;
  tags?: Record<string, string>;
}

/** A named key: its versions (oldest first) and, once deleted, when that happened. */
export interface StoredKey {
  readonly name: string;
  readonly versions: KeyVersion[];
  deleted?: { readonly deletedDate: number; readonly scheduledPurgeDate: number };
}

/** What a create or rotate needs, already validated for shape. */
export interface KeySpec {
  /** Wire `kty`; `AES` and `oct` are accepted for `oct-HSM`, `RSA` and `EC` for their HSM forms. */
  readonly kty: string;
  readonly keySize?: number;
  readonly curve?: string;
  readonly keyOps?: readonly string[];
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
  readonly exportable?: boolean;
  readonly tags?: Record<string, string>;
  /** Imported AES bytes; generated when absent. */
  readonly secret?: Buffer;
  /** Imported RSA or EC key; generated when absent. */
  readonly privateKey?: KeyObject;
}

/** Days a deleted key stays recoverable; real captures show `recoverableDays: 7`. */
export const recoverableDays = 7;

const defaultKeyOps: Record<KeyType, readonly string[]> = {
  // Order as in a real Managed HSM capture of a fresh oct-HSM key.
  "oct-HSM": ["deriveKey", "wrapKey", "verify", "sign", "unwrapKey", "encrypt", "decrypt"],
  "RSA-HSM": ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  "EC-HSM": ["sign", "verify"],
};

const keyNamePattern = /^[0-9A-Za-z-]{1,127}$/;

/** The keys of one emulated HSM. */
export class KeyStore {
  readonly #keys = new Map<string, StoredKey>();

  /** Creates a key, or a new version of an existing one; refuses a name held by a deleted key. */
  create(name: string, spec: KeySpec, nowSeconds: number): KeyVersion {
    if (!keyNamePattern.test(name))
      throw badParameter(`Key name '${name}' is invalid; use 1-127 letters, digits and dashes`);
    const existing = this.#keys.get(name);
    if (existing?.deleted !== undefined)
      throw new ServiceError(
        409,
        "Conflict",
        `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
      );
    const version = makeVersion(spec, nowSeconds);
    if (existing === undefined) this.#keys.set(name, { name, versions: [version] });
    else existing.versions.push(version);
    return version;
  }

  /** A new version with the latest version's type, size and operations. */
  rotate(name: string, nowSeconds: number): KeyVersion {
    const latest = this.latest(name);
    return this.create(
      name,
      {
        kty: latest.kty,
        keyOps: latest.keyOps,
        ...(latest.keySize !== undefined && { keySize: latest.keySize }),
        ...(latest.curve !== undefined && { curve: latest.curve }),
        ...(latest.tags !== undefined && { tags: latest.tags }),
      },
      nowSeconds,
    );
  }

  /** The live key's newest version; 404 `KeyNotFound` otherwise. */
  latest(name: string): KeyVersion {
    const versions = this.versions(name);
    const last = versions[versions.length - 1];
    if (last === undefined) throw keyNotFound(name, "");
    return last;
  }

  /** A version of a live key; an empty version means the newest. */
  get(name: string, version: string): KeyVersion {
    if (version === "") return this.latest(name);
    const found = this.versions(name).find((candidate) => candidate.version === version);
    if (found === undefined) throw keyNotFound(name, version);
    return found;
  }

  /** All versions of a live key, oldest first. */
  versions(name: string): readonly KeyVersion[] {
    const key = this.#keys.get(name);
    if (key === undefined || key.deleted !== undefined) throw keyNotFound(name, "");
    return key.versions;
  }

  /** Live keys, by name. */
  names(): string[] {
    return [...this.#keys.values()].filter((key) => key.deleted === undefined).map((key) => key.name);
  }

  /** Soft-deletes a key; it can be recovered or purged for {@link recoverableDays} days. */
  delete(name: string, nowSeconds: number): StoredKey {
    this.versions(name);
    const key = this.#keys.get(name) as StoredKey;
    key.deleted = { deletedDate: nowSeconds, scheduledPurgeDate: nowSeconds + recoverableDays * 86_400 };
    return key;
  }

  /** Soft-deleted keys, by name. */
  deletedNames(): string[] {
    return [...this.#keys.values()].filter((key) => key.deleted !== undefined).map((key) => key.name);
  }

  /**
   * A soft-deleted key; 404 `KeyNotFound` when there is none, naming `recoveryId` (the service names
   * `https://<hsm>/deletedkeys/<name>`; default the bare name).
   */
  getDeleted(name: string, recoveryId = name): StoredKey & { deleted: NonNullable<StoredKey["deleted"]> } {
    const key = this.#keys.get(name);
    if (key?.deleted === undefined)
      throw new ServiceError(404, "KeyNotFound", `Key not found: ${recoveryId}`);
    return key as StoredKey & { deleted: NonNullable<StoredKey["deleted"]> };
  }

  recover(name: string, recoveryId = name): KeyVersion {
    const key = this.getDeleted(name, recoveryId);
    delete (key as StoredKey).deleted;
    return this.latest(name);
  }

  purge(name: string, recoveryId = name): void {
    this.getDeleted(name, recoveryId);
    this.#keys.delete(name);
  }
}

function keyNotFound(name: string, version: string): ServiceError {
  return new ServiceError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${name}${version === "" ? "" : `/${version}`} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`,
  );
}

function canonicalType(kty: string): KeyType {
  switch (kty) {
    case "oct-HSM":
    case "AES":
    case "oct":
      return "oct-HSM";
    case "RSA-HSM":
    case "RSA":
      return "RSA-HSM";
    case "EC-HSM":
    case "EC":
      return "EC-HSM";
    default:
      throw badParameter(`The specified key type '${kty}' is invalid; expected oct-HSM, RSA-HSM or EC-HSM`);
  }
}

function makeVersion(spec: KeySpec, nowSeconds: number): KeyVersion {
  const kty = canonicalType(spec.kty);
  const material = keyMaterial(kty, spec);
  const attributes: KeyAttributes = {
    enabled: spec.enabled ?? true,
    created: nowSeconds,
    updated: nowSeconds,
    exportable: spec.exportable ?? false,
    ...(spec.nbf !== undefined && { nbf: spec.nbf }),
    ...(spec.exp !== undefined && { exp: spec.exp }),
  };
  return {
    version: randomBytes(16).toString("hex"),
    kty,
    ...material,
    keyOps: [...(spec.keyOps ?? defaultKeyOps[kty])],
    attributes,
    ...(spec.tags !== undefined && { tags: { ...spec.tags } }),
  };
}

function keyMaterial(
  kty: KeyType,
  spec: KeySpec,
): Pick<KeyVersion, "keySize" | "curve" | "secret" | "privateKey"> {
  if (kty === "oct-HSM") {
    const keySize = spec.secret !== undefined ? spec.secret.length * 8 : (spec.keySize ?? 256);
    if (![128, 192, 256].includes(keySize))
      throw badParameter(`Invalid key size ${keySize} for oct-HSM; expected 128, 192 or 256`);
    return { keySize, secret: spec.secret ?? randomBytes(keySize / 8) };
  }
  if (kty === "RSA-HSM") {
    const privateKey =
      spec.privateKey ??
      generateKeyPairSync("rsa", { modulusLength: validRsaSize(spec.keySize ?? 2048) }).privateKey;
    return { keySize: privateKey.asymmetricKeyDetails?.modulusLength ?? 0, privateKey };
  }
  const curve = spec.curve ?? "P-256";
  const nodeCurve = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }[curve];
  if (nodeCurve === undefined) throw badParameter(`Invalid curve ${curve}; expected P-256, P-384 or P-521`);
  return {
    curve,
    privateKey: spec.privateKey ?? generateKeyPairSync("ec", { namedCurve: nodeCurve }).privateKey,
  };
}

function validRsaSize(bits: number): number {
  if (![2048, 3072, 4096].includes(bits))
    throw badParameter(`Invalid key size ${bits} for RSA-HSM; expected 2048, 3072 or 4096`);
  return bits;
}
