import type { CryptoOperation } from "./key-operations.ts";

/** A recognised data-plane request: the operation (request-log and fault name), its RBAC action and target. */
export interface HsmRoute {
  /** Operation name as the SDK calls it: `encrypt`, `getKey`, `createKey`, … */
  readonly operation: string;
  /** Data action suffix, e.g. `/keys/encrypt/action`. */
  readonly action: string;
  readonly keyName?: string;
  /** Empty string: the latest version (trailing-slash GET, `//encrypt`). */
  readonly version?: string;
  readonly crypto?: CryptoOperation;
}

const cryptoSegments: Record<string, CryptoOperation> = {
  encrypt: "encrypt",
  decrypt: "decrypt",
  wrapkey: "wrapKey",
  unwrapkey: "unwrapKey",
};
const cryptoActions: Record<CryptoOperation, string> = {
  encrypt: "/keys/encrypt/action",
  decrypt: "/keys/decrypt/action",
  wrapKey: "/keys/wrap/action",
  unwrapKey: "/keys/unwrap/action",
};

/**
 * Maps method and raw path to a route. Empty segments are kept on purpose: the SDK sends
 * `GET /keys/{n}/` and `POST /keys/{n}//encrypt` for a versionless key id (wire spec §2.5).
 */
export function hsmRoute(method: string, pathname: string): HsmRoute | undefined {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [collection, name, third, fourth, ...rest] = segments;
  if (rest.length > 0) return undefined;
  if (collection === "rng" && name === undefined && method === "POST")
    return { operation: "getRandomBytes", action: "/rng/action" };
  if (collection === "deletedkeys" && (name === undefined || name === "") && third === undefined)
    return method === "GET"
      ? { operation: "getDeletedKeys", action: "/keys/deletedKeys/read/action" }
      : undefined;
  if (collection === "deletedkeys" && name !== undefined && name !== "" && fourth === undefined) {
    const target = { keyName: name };
    if (third === undefined && method === "GET")
      return { operation: "getDeletedKey", action: "/keys/deletedKeys/read/action", ...target };
    if (third === undefined && method === "DELETE")
      return { operation: "purgeDeletedKey", action: "/keys/deletedKeys/delete", ...target };
    if (third === "recover" && method === "POST")
      return { operation: "recoverDeletedKey", action: "/keys/deletedKeys/recover/action", ...target };
    return undefined;
  }
  if (collection !== "keys") return undefined;
  if ((name === undefined || name === "") && third === undefined)
    return method === "GET" ? { operation: "getKeys", action: "/keys/read/action" } : undefined;
  if (name === undefined || name === "") return undefined;
  const key = { keyName: name };
  if (fourth !== undefined) {
    const crypto = cryptoSegments[fourth.toLowerCase()];
    if (crypto === undefined || method !== "POST") return undefined;
    return { operation: crypto, action: cryptoActions[crypto], ...key, version: third ?? "", crypto };
  }
  if (third === undefined || third === "") {
    if (method === "GET") return { operation: "getKey", action: "/keys/read/action", ...key, version: "" };
    if (method === "PATCH")
      return { operation: "updateKey", action: "/keys/write/action", ...key, version: "" };
    if (third === "") return undefined;
    if (method === "PUT") return { operation: "importKey", action: "/keys/import/action", ...key };
    if (method === "DELETE") return { operation: "deleteKey", action: "/keys/delete", ...key };
    return undefined;
  }
  if (method === "POST" && third === "create")
    return { operation: "createKey", action: "/keys/create", ...key };
  if (method === "POST" && third === "rotate")
    return { operation: "rotateKey", action: "/keys/rotate/action", ...key };
  // Not a version: the SDKs read the policy here (a version id is 32 hex characters).
  if (method === "GET" && third === "rotationpolicy")
    return { operation: "getKeyRotationPolicy", action: "/keys/read/action", ...key };
  if (method === "GET" && third === "versions")
    return { operation: "getKeyVersions", action: "/keys/read/action", ...key };
  const crypto = cryptoSegments[third.toLowerCase()];
  if (method === "POST" && crypto !== undefined)
    return { operation: crypto, action: cryptoActions[crypto], ...key, version: "", crypto };
  if (method === "GET") return { operation: "getKey", action: "/keys/read/action", ...key, version: third };
  if (method === "PATCH")
    return { operation: "updateKey", action: "/keys/write/action", ...key, version: third };
  return undefined;
}
