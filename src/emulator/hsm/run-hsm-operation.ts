import { createPrivateKey, randomBytes } from "node:crypto";
import type { FaultKind } from "../faults/fault-plan.ts";
import { fromBase64Url, toBase64Url } from "../http/wire-json.ts";
import type { HsmRoute } from "./hsm-route.ts";
import {
  defaultRotationPolicy,
  deletedKeyBundle,
  deletedKeyItem,
  type HsmUrl,
  keyBundle,
  keyId,
  keyItem,
  recoveryId,
} from "./key-bundle.ts";
import { type CryptoOperation, type OperationInput, runKeyOperation } from "./key-operations.ts";
import type { KeySpec, KeyStore, KeyVersion } from "./key-store.ts";
import { badParameter, ServiceError } from "./service-error.ts";

/** A data-plane result before serialization: status and JSON body (none for 204). */
export interface OperationResult {
  readonly status: number;
  readonly json?: unknown;
}

/** Runs an authorized data-plane operation against one HSM's keys; `faults` reach the key operations. */
export function runHsmOperation(
  store: KeyStore,
  hsmUrl: HsmUrl,
  route: HsmRoute,
  body: Record<string, unknown>,
  nowSeconds: number,
  faults?: ReadonlySet<FaultKind>,
): OperationResult {
  const name = route.keyName ?? "";
  const ok = (json: unknown): OperationResult => ({ status: 200, json });
  switch (route.operation) {
    case "getRandomBytes": {
      const count = body.count;
      if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 128)
        throw badParameter("GetRandomBytesRequest: count cannot be greater than 128 or less than 1");
      return ok({ value: toBase64Url(randomBytes(count)) });
    }
    case "getKeys":
      return ok({
        value: store.names().map((keyName) => {
          const { kid: _versioned, ...item } = keyItem(hsmUrl, keyName, store.latest(keyName));
          return { ...item, kid: `${hsmUrl}/keys/${keyName}` };
        }),
        nextLink: null,
      });
    case "getDeletedKeys":
      return ok({
        value: store.deletedNames().map((keyName) => deletedKeyItem(hsmUrl, store.getDeleted(keyName))),
        nextLink: null,
      });
    case "getKeyRotationPolicy":
      store.latest(name);
      return ok(defaultRotationPolicy(hsmUrl, name));
    case "getKey":
      return ok(keyBundle(hsmUrl, name, store.get(name, route.version ?? "")));
    case "getKeyVersions":
      return ok({
        value: store.versions(name).map((version) => keyItem(hsmUrl, name, version)),
        nextLink: null,
      });
    case "createKey":
      return ok(keyBundle(hsmUrl, name, store.create(name, createSpec(body), nowSeconds)));
    case "importKey":
      return ok(keyBundle(hsmUrl, name, store.create(name, importSpec(body), nowSeconds)));
    case "rotateKey":
      return ok(keyBundle(hsmUrl, name, store.rotate(name, nowSeconds)));
    case "updateKey":
      return ok(keyBundle(hsmUrl, name, updateKey(store.get(name, route.version ?? ""), body, nowSeconds)));
    case "deleteKey":
      return ok(deletedKeyBundle(hsmUrl, store.delete(name, nowSeconds)));
    case "getDeletedKey":
      return ok(deletedKeyBundle(hsmUrl, store.getDeleted(name, recoveryId(hsmUrl, name))));
    case "purgeDeletedKey":
      store.purge(name, recoveryId(hsmUrl, name));
      return { status: 204 };
    case "recoverDeletedKey":
      return ok(keyBundle(hsmUrl, name, store.recover(name, recoveryId(hsmUrl, name))));
    default: {
      const crypto = route.crypto as CryptoOperation;
      const version = store.get(name, route.version ?? "");
      checkUsable(version, crypto, nowSeconds);
      const input = operationInput(body);
      const output = runKeyOperation(crypto, version, input, faults);
      return ok({
        alg: input.alg,
        kid: keyId(hsmUrl, name, version),
        value: toBase64Url(output.value),
        ...(output.iv !== undefined && { iv: toBase64Url(output.iv) }),
        ...(output.tag !== undefined && { tag: toBase64Url(output.tag) }),
        // The service echoes `aad` on encrypt only, and only when the caller sent one.
        ...(crypto === "encrypt" && input.aad !== undefined && { aad: toBase64Url(input.aad) }),
      });
    }
  }
}

/** Enabled, inside `nbf`..`exp`, and listing the operation in `key_ops`; else 403 `Forbidden`. */
function checkUsable(version: KeyVersion, operation: CryptoOperation, now: number): void {
  const { enabled, nbf, exp } = version.attributes;
  const refuse = (why: string) =>
    new ServiceError(403, "Forbidden", `Operation ${operation} is not allowed ${why}.`);
  if (!enabled) throw refuse("on a disabled key");
  if (nbf !== undefined && now < nbf) throw refuse("on a key that is not yet valid (nbf)");
  if (exp !== undefined && now >= exp) throw refuse("on an expired key");
  if (!version.keyOps.includes(operation)) throw refuse("by the key's key_ops");
}

function operationInput(body: Record<string, unknown>): OperationInput {
  const alg = body.alg;
  if (typeof alg !== "string" || alg === "") throw badParameter("Property 'alg' is required");
  const bytes = (field: string, required: boolean): Buffer | undefined => {
    const text = body[field];
    if (text === undefined || text === null) {
      if (required) throw badParameter(`Property '${field}' is required`);
      return undefined;
    }
    const decoded = typeof text === "string" ? fromBase64Url(text) : undefined;
    if (decoded === undefined) throw badParameter(`Property '${field}' must be base64url`);
    return decoded;
  };
  const value = bytes("value", true) as Buffer;
  const iv = bytes("iv", false);
  const aad = bytes("aad", false);
  const tag = bytes("tag", false);
  return { alg, value, ...(iv && { iv }), ...(aad && { aad }), ...(tag && { tag }) };
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw badParameter(`Property '${field}' must be an object`);
  return value as Record<string, unknown>;
}

function optional<T>(value: unknown, type: "number" | "boolean" | "string", field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw badParameter(`Property '${field}' must be a ${type}`);
  return value as T;
}

function keyOps(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((op) => typeof op === "string"))
    throw badParameter("Property 'key_ops' must be an array of strings");
  return value as string[];
}

function tags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  return record(value, "tags") as Record<string, string>;
}

/** Attribute fields shared by create, import and update. */
function attributeSpec(body: Record<string, unknown>) {
  const attributes = record(body.attributes, "attributes");
  const enabled = optional<boolean>(attributes.enabled, "boolean", "attributes.enabled");
  const nbf = optional<number>(attributes.nbf, "number", "attributes.nbf");
  const exp = optional<number>(attributes.exp, "number", "attributes.exp");
  const exportable = optional<boolean>(attributes.exportable, "boolean", "attributes.exportable");
  const ops = keyOps(body.key_ops);
  const tagMap = tags(body.tags);
  return {
    ...(enabled !== undefined && { enabled }),
    ...(nbf !== undefined && { nbf }),
    ...(exp !== undefined && { exp }),
    ...(exportable !== undefined && { exportable }),
    ...(ops !== undefined && { keyOps: ops }),
    ...(tagMap !== undefined && { tags: tagMap }),
  };
}

function createSpec(body: Record<string, unknown>): KeySpec {
  const kty = optional<string>(body.kty, "string", "kty");
  if (kty === undefined) throw badParameter("Property 'kty' is required");
  const keySize = optional<number>(body.key_size, "number", "key_size");
  const curve = optional<string>(body.crv, "string", "crv");
  return {
    kty,
    ...attributeSpec(body),
    ...(keySize !== undefined && { keySize }),
    ...(curve !== undefined && { curve }),
  };
}

function importSpec(body: Record<string, unknown>): KeySpec {
  const jwk = record(body.key, "key");
  const kty = optional<string>(jwk.kty, "string", "key.kty");
  if (kty === undefined) throw badParameter("Property 'key.kty' is required");
  const ops = keyOps(jwk.key_ops);
  const base = { kty, ...attributeSpec(body), ...(ops !== undefined && { keyOps: ops }) };
  if (kty.startsWith("oct") || kty === "AES") {
    const secret = typeof jwk.k === "string" ? fromBase64Url(jwk.k) : undefined;
    if (secret === undefined) throw badParameter("Property 'key.k' is required for an oct key");
    return { ...base, secret };
  }
  try {
    const privateKey = createPrivateKey({
      key: { ...jwk, kty: kty.replace(/-HSM$/, "") } as import("node:crypto").JsonWebKey,
      format: "jwk",
    });
    const curve = typeof jwk.crv === "string" ? jwk.crv : undefined;
    return { ...base, privateKey, ...(curve !== undefined && { curve }) };
  } catch {
    throw badParameter(`The imported ${kty} key is not a valid private JWK`);
  }
}

function updateKey(version: KeyVersion, body: Record<string, unknown>, now: number): KeyVersion {
  const spec = attributeSpec(body);
  if (spec.enabled !== undefined) version.attributes.enabled = spec.enabled;
  if (spec.nbf !== undefined) version.attributes.nbf = spec.nbf;
  if (spec.exp !== undefined) version.attributes.exp = spec.exp;
  if (spec.keyOps !== undefined) version.keyOps = spec.keyOps;
  if (spec.tags !== undefined) version.tags = spec.tags;
  version.attributes.updated = now;
  return version;
}
