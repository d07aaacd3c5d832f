import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { EnvelopeError } from "./envelope-error.ts";

/** The public half of a signing key as `spec.publicKey` holds it (an EC JWK). */
export interface PublicJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y: string;
}

/** The SPKI DER of a public JWK; `ENVELOPE_MALFORMED` when it is not one. */
export function spkiOf(jwk: PublicJwk): Buffer {
  try {
    const { kty, crv, x, y } = jwk;
    return createPublicKey({ key: { kty, crv, x, y } as JsonWebKey, format: "jwk" }).export({
      type: "spki",
      format: "der",
    });
  } catch (error) {
    throw new EnvelopeError("spec.publicKey: expected an EC public JWK (kty, crv, x, y)", {
      code: "ENVELOPE_MALFORMED",
      field: "spec.publicKey",
      cause: error,
    });
  }
}

/** SHA-256 of the SPKI DER, unpadded base64url: the context's `publicKeySha256`. */
export function publicKeySha256(jwk: PublicJwk): string {
  return createHash("sha256").update(spkiOf(jwk)).digest("base64url");
}

/** The public JWK (kty, crv, x, y only) of a private or public EC key. */
export function publicJwkOf(key: KeyObject): PublicJwk {
  const { kty, crv, x, y } = createPublicKey(key).export({ format: "jwk" });
  if (kty !== "EC" || crv === undefined || x === undefined || y === undefined)
    throw new EnvelopeError(`the key is not an EC key; got kty ${kty}`, { code: "ENVELOPE_MALFORMED" });
  return { kty, crv, x, y };
}
