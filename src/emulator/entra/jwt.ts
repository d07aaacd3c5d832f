import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/** A compact JWS split into its parts; nothing verified yet. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/** Splits and parses a compact JWT; `undefined` when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const parsedHeader: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    const parsedPayload: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (!isRecord(parsedHeader) || !isRecord(parsedPayload)) return undefined;
    return {
      header: parsedHeader,
      payload: parsedPayload,
      signingInput: Buffer.from(`${header}.${payload}`),
      signature: Buffer.from(signature, "base64url"),
    };
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Signs claims as RS256 (RSA key) or ES256 (P-256 key) with the given `kid`. */
export function signJwt(payload: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const alg = privateKey.asymmetricKeyType === "ec" ? "ES256" : "RS256";
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode({ alg, kid, typ: "JWT" })}.${encode(payload)}`;
  const signature = sign("sha256", Buffer.from(signingInput), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${signature.toString("base64url")}`;
}

const hashes: Record<string, string> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
};

/** Checks the signature with a public key of the algorithm the header names; `none` and HMAC never pass. */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  const hash = typeof jwt.header.alg === "string" ? hashes[jwt.header.alg] : undefined;
  if (hash === undefined) return false;
  const wantType = (jwt.header.alg as string).startsWith("ES") ? "ec" : "rsa";
  if (publicKey.asymmetricKeyType !== wantType) return false;
  return verify(hash, jwt.signingInput, { key: publicKey, dsaEncoding: "ieee-p1363" }, jwt.signature);
}

/** A public key as a JWKS entry (`kid`, `use: sig`, `alg`). */
export function publicJwk(privateKey: KeyObject, kid: string): Record<string, unknown> {
  const alg = privateKey.asymmetricKeyType === "ec" ? "ES256" : "RS256";
  return { ...createPublicKey(privateKey).export({ format: "jwk" }), kid, use: "sig", alg };
}
