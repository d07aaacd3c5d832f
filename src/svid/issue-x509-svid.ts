import { createPublicKey, type KeyObject } from "node:crypto";
import { x509 } from "./peculiar-x509.ts";
import { randomSerialNumber } from "./random-serial-number.ts";
import { es256, signingCryptoKey } from "./signing-crypto-key.ts";
import type { SvidSigningKey } from "./signing-key.ts";
import { SvidError } from "./svid-error.ts";

/** Options of {@link issueX509Svid}. */
export interface X509SvidOptions {
  /** The active `x509-svid` key, with its CA certificate. */
  readonly ca: SvidSigningKey;
  /** The caller's PKCS#10 request (PEM): only its public key and signature are used. */
  readonly csrPem: string;
  /** The SPIFFE ID the server chose for the caller: the one URI SAN. */
  readonly spiffeId: string;
  /** Lifetime in seconds; capped so the certificate never outlives its CA. */
  readonly ttlSeconds: number;
  /** The clock. Default `new Date()`. */
  readonly now?: Date;
}

// Parsed once per CA key; the certificate is public, the key stays in its KeyObject.
const caCertificates = new WeakMap<SvidSigningKey, x509.X509Certificate>();

function caCertificateOf(ca: SvidSigningKey): x509.X509Certificate {
  const cached = caCertificates.get(ca);
  if (cached !== undefined) return cached;
  if (ca.use !== "x509-svid" || ca.caCertificatePem === undefined)
    throw new SvidError(`signing key ${ca.keyId}: expected an x509-svid key with a CA certificate`, {
      code: "KEY_UNSUPPORTED",
    });
  const parsed = new x509.X509Certificate(ca.caCertificatePem);
  caCertificates.set(ca, parsed);
  return parsed;
}

/** Leaf keys the X509-SVID spec's relying parties are sure to handle; throws `CSR_KEY_UNSUPPORTED`. */
function checkCsrKey(spki: ArrayBuffer): void {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new SvidError("csr: its public key cannot be read", { code: "CSR_KEY_UNSUPPORTED", cause: error });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const supported =
    (key.asymmetricKeyType === "ec" && (curve === "prime256v1" || curve === "secp384r1")) ||
    (key.asymmetricKeyType === "rsa" && bits >= 2048);
  if (!supported)
    throw new SvidError(
      `csr: expected an EC P-256/P-384 or RSA ≥ 2048-bit public key, got ${key.asymmetricKeyType ?? "unknown"} ${curve ?? bits}`,
      { code: "CSR_KEY_UNSUPPORTED" },
    );
}

/** The CSR, parsed and its self-signature verified: proof the caller holds the private key. */
async function readCsr(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (error) {
    throw new SvidError("csr: expected a PEM PKCS#10 certificate request", {
      code: "CSR_INVALID",
      cause: error,
    });
  }
  checkCsrKey(csr.publicKey.rawData);
  let verified = false;
  try {
    verified = await csr.verify();
  } catch (error) {
    throw new SvidError("csr: its signature could not be checked", {
      code: "CSR_SIGNATURE_INVALID",
      cause: error,
    });
  }
  if (!verified)
    throw new SvidError("csr: its signature does not match its public key", {
      code: "CSR_SIGNATURE_INVALID",
    });
  return csr;
}

/**
 * An X509-SVID per the SPIFFE X509-SVID spec: the one URI SAN is `spiffeId` (the CSR's subject and
 * extensions are ignored, so a caller cannot name itself), CA:false, keyUsage digitalSignature
 * (critical), EKU serverAuth + clientAuth, signed by the CA key. Returns the leaf as PEM.
 */
export async function issueX509Svid(options: X509SvidOptions): Promise<string> {
  const caCertificate = caCertificateOf(options.ca);
  const signingKey = signingCryptoKey(options.ca.privateKey);
  const csr = await readCsr(options.csrPem);
  const now = options.now ?? new Date();
  const notAfter = Math.min(
    now.getTime() + Math.max(1, Math.floor(options.ttlSeconds)) * 1000,
    options.ca.notAfter.getTime(),
    caCertificate.notAfter.getTime(),
  );
  const caKeyId = caCertificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ O: ["SPIFFE"] }],
    issuer: caCertificate.subjectName,
    // Backdated a little: a relying party whose clock runs slow still accepts a fresh SVID.
    notBefore: new Date(now.getTime() - 10_000),
    notAfter: new Date(notAfter),
    publicKey: csr.publicKey,
    signingKey,
    signingAlgorithm: es256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: options.spiffeId }]),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      ...(caKeyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(caKeyId)]),
    ],
  });
  return `${leaf.toString("pem")}\n`;
}
