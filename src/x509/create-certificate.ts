import type { KeyObject, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { x509 } from "./peculiar-x509.ts";

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

/** The WebCrypto algorithm (SHA-256) that matches a node:crypto key; EC must be P-256. */
function algorithmOf(key: KeyObject): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1")
    return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as webcrypto.EcKeyImportParams;
  if (key.asymmetricKeyType === "rsa") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  throw new TypeError(`unsupported signing key type ${String(key.asymmetricKeyType)}; use EC P-256 or RSA`);
}

function publicCryptoKey(key: KeyObject): webcrypto.CryptoKey {
  return key.toCryptoKey(algorithmOf(key), true, ["verify"]);
}

function subjectAltNames(entries: readonly string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    entries.map((value) => ({ type: isIP(value) === 0 ? "dns" : "ip", value })),
  );
}

/** Builds and signs an X.509 v3 certificate with @peculiar/x509; returns it as PEM. */
export async function createCertificate(request: CertificateRequest): Promise<string> {
  const notBefore = request.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = request.notAfter ?? new Date(notBefore.getTime() + 30 * 86_400_000);
  const issuer = request.issuer ?? { commonName: request.commonName, publicKey: request.publicKey };
  const algorithm = algorithmOf(request.signingKey);
  const publicKey = publicCryptoKey(request.publicKey);
  const identifiers = [
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(publicCryptoKey(issuer.publicKey)),
  ];
  const extensions =
    request.isCa === true
      ? [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          ...identifiers,
        ]
      : [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
            true,
          ),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          subjectAltNames(request.subjectAltNames ?? []),
          ...identifiers,
        ];
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [request.commonName] }],
    issuer: [{ CN: [issuer.commonName] }],
    notBefore,
    notAfter,
    publicKey,
    signingKey: request.signingKey.toCryptoKey(algorithm, false, ["sign"]),
    signingAlgorithm: algorithm,
    extensions,
  });
  return `${certificate.toString("pem")}\n`;
}
