import { SignJWT } from "jose";
import type { SvidSigningKey } from "./signing-key.ts";
import { SvidError } from "./svid-error.ts";

/** At most this many audiences per JWT-SVID, each at most this long: a request is not a dump. */
const maxAudiences = 16;
const maxAudienceLength = 256;

/** Options of {@link issueJwtSvid}. */
export interface JwtSvidOptions {
  /** The active `jwt-svid` key. */
  readonly key: SvidSigningKey;
  /** The SPIFFE ID the server chose for the caller: the `sub` claim. */
  readonly spiffeId: string;
  /** The `aud` claim: 1 to 16 non-empty strings of printable characters. */
  readonly audience: readonly string[];
  /** Lifetime in seconds; capped so the token never outlives its key. */
  readonly ttlSeconds: number;
  /** The clock. Default `new Date()`. */
  readonly now?: Date;
}

/** The audience, checked; throws `AUDIENCE_INVALID` naming what is wrong (never echoing much of it). */
export function checkAudience(audience: unknown): readonly string[] {
  if (!Array.isArray(audience) || audience.length === 0 || audience.length > maxAudiences)
    throw new SvidError(`audience: expected an array of 1 to ${maxAudiences} strings`, {
      code: "AUDIENCE_INVALID",
    });
  for (const [index, entry] of audience.entries()) {
    if (
      typeof entry !== "string" ||
      entry.length === 0 ||
      entry.length > maxAudienceLength ||
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
      /[\u0000-\u001f\u007f]/.test(entry)
    )
      throw new SvidError(
        `audience[${index}]: expected a non-empty string of at most ${maxAudienceLength} printable characters`,
        { code: "AUDIENCE_INVALID" },
      );
  }
  return audience as string[];
}

/**
 * A JWT-SVID per the SPIFFE JWT-SVID spec: ES256 JWS with `kid` (§2), `sub` the SPIFFE ID, `aud`,
 * `exp` and `iat` (§3). The key signs in-process: no remote call.
 */
export async function issueJwtSvid(options: JwtSvidOptions): Promise<string> {
  const audience = checkAudience(options.audience);
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAt = Math.min(
    issuedAt + Math.max(1, Math.floor(options.ttlSeconds)),
    Math.floor(options.key.notAfter.getTime() / 1000),
  );
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: options.key.keyId, typ: "JWT" })
    .setSubject(options.spiffeId)
    .setAudience([...audience])
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(options.key.privateKey);
}
