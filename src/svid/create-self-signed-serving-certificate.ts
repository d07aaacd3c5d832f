import { generateKeyPairSync } from "node:crypto";
import { x509 } from "./peculiar-x509.ts";
import { randomSerialNumber } from "./random-serial-number.ts";
import { es256, signingCryptoKey } from "./signing-crypto-key.ts";

/** Options of {@link createSelfSignedServingCertificate}. */
export interface SelfSignedServingCertificateOptions {
  /** DNS names of the certificate (its subjectAltName); the first is also its CN. */
  readonly dnsNames: readonly string[];
  /** IP addresses of the certificate (its subjectAltName). Default none. */
  readonly ipAddresses?: readonly string[];
  /** Validity from now, in seconds. Default 30 days. */
  readonly lifetimeSeconds?: number;
}

/**
 * A self-signed P-256 serving certificate and its key, as PEM, for development only: no client can check
 * it against a CA it already trusts. Made in memory at start; nothing is written to disk.
 */
export async function createSelfSignedServingCertificate(
  options: SelfSignedServingCertificateOptions,
): Promise<{ cert: string; key: string }> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [options.dnsNames[0] ?? "localhost"] }],
    // A minute back: a peer whose clock runs a little behind still accepts it.
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.lifetimeSeconds ?? 30 * 86_400) * 1000),
    signingAlgorithm: es256,
    keys: { privateKey: signingCryptoKey(privateKey), publicKey: signingCryptoKey(publicKey) },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...options.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
      ]),
    ],
  });
  return {
    cert: `${certificate.toString("pem")}\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
