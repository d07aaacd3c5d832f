import type { KeyObject } from "node:crypto";
import { x509 } from "./peculiar-x509.ts";
import { randomSerialNumber } from "./random-serial-number.ts";
import { es256, signingCryptoKey } from "./signing-crypto-key.ts";
import { trustDomainId } from "./spiffe-id.ts";

/** Options of {@link createCaCertificate}. */
export interface CaCertificateOptions {
  /** The trust domain; the certificate's URI SAN is `spiffe://<trustDomain>`. */
  readonly trustDomain: string;
  /** The CA's P-256 key pair: the private key signs the certificate itself. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The self-signed signing certificate of an `x509-svid` key, per the X509-SVID spec §4.1 and §4.3:
 * CA:true (critical), keyCertSign and cRLSign (critical), the trust domain's SPIFFE ID as URI SAN.
 * Returns PEM.
 */
export async function createCaCertificate(options: CaCertificateOptions): Promise<string> {
  const publicKey = signingCryptoKey(options.publicKey);
  const id = trustDomainId(options.trustDomain);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ O: ["SPIFFE"] }, { CN: [id] }],
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: es256,
    keys: { privateKey: signingCryptoKey(options.privateKey), publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: id }]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return `${certificate.toString("pem")}\n`;
}
