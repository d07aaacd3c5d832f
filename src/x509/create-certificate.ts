import { createHash, type KeyObject, randomBytes, sign } from "node:crypto";
import { isIP } from "node:net";
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  set,
  time,
  unsignedInteger,
  utf8String,
} from "./der.ts";

/** What to put in one certificate. */
export interface CertificateRequest {
  /** Subject common name. */
  readonly commonName: string;
  /** Public key of the subject. */
  readonly publicKey: KeyObject;
  /** Issuer's common name and signing key; omit for a self-signed certificate (then `signingKey` signs). */
  readonly issuer?: { readonly commonName: string; readonly publicKey: KeyObject };
  /** Private key that signs: the issuer's, or the subject's own when self-signed. ECDSA P-256 or RSA. */
  readonly signingKey: KeyObject;
  /** A CA certificate (basicConstraints cA, keyCertSign) instead of a TLS server leaf. Default false. */
  readonly isCa?: boolean;
  /** DNS names and IP addresses for subjectAltName (leaf only). Default none. */
  readonly subjectAltNames?: readonly string[];
  /** Start of validity. Default: one hour ago (tolerates clock skew). */
  readonly notBefore?: Date;
  /** End of validity. Default: `notBefore` plus 30 days. */
  readonly notAfter?: Date;
}

const oid = {
  commonName: "2.5.4.3",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** Builds and signs an X.509 v3 certificate; returns it as PEM. */
export function createCertificate(request: CertificateRequest): string {
  const notBefore = request.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = request.notAfter ?? new Date(notBefore.getTime() + 30 * 86_400_000);
  const issuer = request.issuer ?? { commonName: request.commonName, publicKey: request.publicKey };
  const algorithm = signatureAlgorithm(request.signingKey);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;

  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serial),
    algorithm,
    name(issuer.commonName),
    sequence(time(notBefore), time(notAfter)),
    name(request.commonName),
    request.publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions(request, issuer.publicKey))),
  );
  // ECDSA signatures default to DER (the X.509 form); RSA uses PKCS#1 v1.5 by default.
  const signature = sign("sha256", tbs, request.signingKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === "ec") return sequence(objectIdentifier(oid.ecdsaWithSha256));
  if (key.asymmetricKeyType === "rsa") return sequence(objectIdentifier(oid.sha256WithRsa), nullValue());
  throw new TypeError(`unsupported signing key type ${String(key.asymmetricKeyType)}; use EC or RSA`);
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier(oid.commonName), utf8String(commonName))));
}

function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash("sha1")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(objectIdentifier(id), boolean(true), octetString(value))
    : sequence(objectIdentifier(id), octetString(value));
}

function extensions(request: CertificateRequest, issuerKey: KeyObject): Buffer[] {
  const identifiers = [
    extension(oid.subjectKeyIdentifier, false, octetString(keyIdentifier(request.publicKey))),
    extension(oid.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(issuerKey)))),
  ];
  if (request.isCa === true)
    return [
      extension(oid.basicConstraints, true, sequence(boolean(true))),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110, one unused bit.
      extension(oid.keyUsage, true, bitString(Buffer.from([0x06]), 1)),
      ...identifiers,
    ];
  const altNames = (request.subjectAltNames ?? []).map((entry) =>
    isIP(entry) === 4
      ? implicitPrimitive(7, Buffer.from(entry.split(".").map(Number)))
      : implicitPrimitive(2, Buffer.from(entry, "ascii")),
  );
  return [
    extension(oid.basicConstraints, true, sequence()),
    // digitalSignature (bit 0) and keyEncipherment (bit 2): 0b1010_0000, five unused bits.
    extension(oid.keyUsage, true, bitString(Buffer.from([0xa0]), 5)),
    extension(oid.extKeyUsage, false, sequence(objectIdentifier(oid.serverAuth))),
    extension(oid.subjectAltName, false, sequence(...altNames)),
    ...identifiers,
  ];
}
