import { createPublicKey, randomUUID } from "node:crypto";
import type { ClientRegistration, EntraDirectory } from "./directory.ts";
import { decodeJwt, signJwt, verifyJwtSignature } from "./jwt.ts";

/** The resource Managed HSM accepts in `aud`. */
export const managedHsmResource = "https://managedhsm.azure.net";
/**
 * The resources the tenant issues tokens for (first-party APIs every tenant has), so a client can get
 * a token that Managed HSM refuses for its audience, as it would from real Entra ID.
 */
export const knownResources: ReadonlySet<string> = new Set([
  managedHsmResource,
  "https://vault.azure.net",
  "https://management.azure.com",
  "https://management.core.windows.net",
  "https://graph.microsoft.com",
  "https://storage.azure.com",
]);
/** Token lifetime; the SDK caches tokens until 5 minutes before expiry, so it must be well above that. */
export const accessTokenLifetimeSeconds = 3599;

/**
 * A v1 app-only access token for `resource` (as the scope named it, before `/.default`), RS256, with
 * `tid`, `oid`, `appid` as Entra issues them.
 */
export function issueAccessToken(
  directory: EntraDirectory,
  client: ClientRegistration,
  resource: string = managedHsmResource,
): string {
  const now = directory.clock.nowSeconds();
  return signJwt(
    {
      aud: resource,
      iss: `https://sts.windows.net/${directory.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + accessTokenLifetimeSeconds,
      appid: client.clientId,
      appidacr: "2",
      idtyp: "app",
      oid: client.objectId,
      sub: client.objectId,
      tid: directory.tenantId,
      uti: randomUUID(),
      ver: "1.0",
    },
    directory.signingKey,
    directory.signingKeyId,
  );
}

/** Who a valid bearer token speaks for. */
export interface Caller {
  readonly objectId: string;
  readonly clientId: string;
}

/** The reason `verifyAccessToken` gives for an expired token; Managed HSM answers it with a fresh challenge. */
export const expiredToken = "Invalid bearer token: the token is expired.";

/** Validates a bearer token (signature, audience, lifetime, tenant); returns the reason it fails, or the caller. */
export function verifyAccessToken(directory: EntraDirectory, token: string): Caller | string {
  const jwt = decodeJwt(token);
  if (jwt === undefined) return "Invalid bearer token: not a JWT.";
  if (
    jwt.header.kid !== directory.signingKeyId ||
    !verifyJwtSignature(jwt, createPublicKey(directory.signingKey))
  )
    return "Invalid bearer token: signature validation failed.";
  const { aud, exp, nbf, tid, oid, appid } = jwt.payload;
  if (aud !== managedHsmResource)
    return `Found token with aud=${String(aud)}, but expected aud=${managedHsmResource}.`;
  const now = directory.clock.nowSeconds();
  if (typeof exp !== "number" || now >= exp) return expiredToken;
  if (typeof nbf === "number" && now < nbf) return "Invalid bearer token: the token is not yet valid.";
  if (tid !== directory.tenantId)
    return `Invalid bearer token: tenant ${String(tid)} does not match the HSM tenant ${directory.tenantId}.`;
  if (typeof oid !== "string" || typeof appid !== "string") return "Invalid bearer token: no oid or appid.";
  return { objectId: oid, clientId: appid };
}
