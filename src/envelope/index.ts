// Envelope encryption of signing keys (seal/open/rewrap, no Kubernetes): the one public face of src/envelope.
export { fromBase64url, toBase64url } from "./base64url.ts";
export {
  checkContext,
  contextAad,
  deriveContext,
  type KekConfig,
  type RecordLocation,
} from "./envelope-context.ts";
export {
  EnvelopeError,
  type EnvelopeErrorCode,
  type EnvelopeErrorOptions,
  type EnvelopeLayer,
  isEnvelopeError,
} from "./envelope-error.ts";
export {
  contextKeys,
  type Envelope,
  type EnvelopeContext,
  envelopeVersion,
  gcmAlg,
  type KekRef,
  kekProvider,
  type SealedField,
} from "./envelope-format.ts";
export { type KekClient, kidOf } from "./kek-calls.ts";
export { type OpenOptions, openEnvelope } from "./open-envelope.ts";
export { parseEnvelope } from "./parse-envelope.ts";
export { type PublicJwk, publicJwkOf, publicKeySha256 } from "./public-key.ts";
export { type RewrapEnvelopeOptions, type RewrapStep, rewrapEnvelope } from "./rewrap-envelope.ts";
export { type SealedKey, type SealOptions, sealPrivateKey } from "./seal-private-key.ts";
