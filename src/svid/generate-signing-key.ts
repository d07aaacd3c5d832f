import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint } from "jose";
import { createCaCertificate } from "./create-ca-certificate.ts";
import type { KeyUse, SvidSigningKey } from "./signing-key.ts";

/** Options of {@link generateSigningKey}. */
export interface GenerateSigningKeyOptions {
  readonly use: KeyUse;
  /** The trust domain (the CA certificate's URI SAN for `x509-svid`). */
  readonly trustDomain: string;
  /** How long the key signs and is published, in seconds. */
  readonly lifetimeSeconds: number;
  /** Start of validity. Default now. */
  readonly notBefore?: Date;
}

/**
 * A fresh P-256 signing key; for `x509-svid` also its self-signed CA certificate. The key id is the
 * RFC 7638 JWK thumbprint of the public key: URL-safe and bound to the key.
 */
export async function generateSigningKey(options: GenerateSigningKeyOptions): Promise<SvidSigningKey> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)("ec", { namedCurve: "P-256" });
  const notBefore = options.notBefore ?? new Date();
  const notAfter = new Date(notBefore.getTime() + options.lifetimeSeconds * 1000);
  const keyId = await calculateJwkThumbprint(publicKey.export({ format: "jwk" }) as { kty: string });
  if (options.use === "jwt-svid") return { keyId, use: options.use, privateKey, publicKey, notAfter };
  const caCertificatePem = await createCaCertificate({
    trustDomain: options.trustDomain,
    privateKey,
    publicKey,
    notBefore,
    notAfter,
  });
  return { keyId, use: options.use, privateKey, publicKey, caCertificatePem, notAfter };
}
