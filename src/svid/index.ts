// SVID issuance with in-memory keys (JWT-SVID, X509-SVID, the CA certificate, the SPIFFE bundle): the one
// public face of src/svid. Nothing here calls the HSM or the API server.
export { type CaCertificateOptions, createCaCertificate } from "./create-ca-certificate.ts";
export {
  createSelfSignedServingCertificate,
  type SelfSignedServingCertificateOptions,
} from "./create-self-signed-serving-certificate.ts";
export { type GenerateSigningKeyOptions, generateSigningKey } from "./generate-signing-key.ts";
export { checkAudience, issueJwtSvid, type JwtSvidOptions } from "./issue-jwt-svid.ts";
export { issueX509Svid, type X509SvidOptions } from "./issue-x509-svid.ts";
export { type KeyState, type KeyUse, keyUses, type SvidSigningKey } from "./signing-key.ts";
export { MemorySigningKeySet, type PublishedKey, type SigningKeySet } from "./signing-key-set.ts";
export {
  type BundleKey,
  type SpiffeBundle,
  type SpiffeBundleJwk,
  type SpiffeBundleOptions,
  spiffeBundle,
} from "./spiffe-bundle.ts";
export { parseTrustDomain, trustDomainId, workloadSpiffeId } from "./spiffe-id.ts";
export { isSvidError, SvidError, type SvidErrorCode } from "./svid-error.ts";
