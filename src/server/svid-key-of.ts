import { createPublicKey, X509Certificate } from "node:crypto";
import { type OpenedKey, sequenceOf } from "../keystore/index.ts";
import { type SvidSigningKey, trustDomainId } from "../svid/index.ts";
import { ServerStartError } from "./server-start-error.ts";

/**
 * The opened key as the SVID code holds it. An x509-svid record's CA certificate sits outside the
 * envelope's AAD, so it is trusted only when it is self-signed by this very key for this trust domain:
 * an edited certificate can never put another CA into the bundle.
 */
export function svidKeyOf(opened: OpenedKey, trustDomain: string): SvidSigningKey {
  const { spec } = opened.record;
  const publicKey = createPublicKey(opened.privateKey);
  const key = {
    keyId: spec.keyId,
    use: spec.use,
    privateKey: opened.privateKey,
    publicKey,
    notAfter: new Date(spec.notAfter),
    ...withSequence(sequenceOf(opened.record.name, spec.use)),
  };
  if (spec.use === "jwt-svid") return key;
  const pem = spec.caCertificate ?? "";
  let certificate: X509Certificate | undefined;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    certificate = undefined;
  }
  if (
    certificate === undefined ||
    !certificate.publicKey.equals(publicKey) ||
    !certificate.verify(publicKey) ||
    !certificate.ca ||
    certificate.subjectAltName !== `URI:${trustDomainId(trustDomain)}`
  )
    throw new ServerStartError(
      `SigningKey ${opened.record.namespace}/${opened.record.name}: spec.caCertificate is not this key's self-signed CA certificate for spiffe://${trustDomain}`,
      { code: "KEYS_UNAVAILABLE" },
    );
  return { ...key, caCertificatePem: pem };
}

const withSequence = (sequence: number | undefined) => (sequence === undefined ? {} : { sequence });
