// Envelope encryption of signing keys (seal/open/rewrap, no Kubernetes): the one public face of src/envelope.
export type { KekConfig, RecordLocation } from "./envelope-context.ts";
export {
  EnvelopeError,
  type EnvelopeErrorCode,
  type EnvelopeErrorOptions,
  type EnvelopeLayer,
  isEnvelopeError,
} from "./envelope-error.ts";
export type { Envelope, EnvelopeContext, KekRef, SealedField } from "./envelope-format.ts";
export type { KekClient } from "./kek-calls.ts";
export { type OpenOptions, openEnvelope } from "./open-envelope.ts";
export { parseEnvelope } from "./parse-envelope.ts";
export { type PublicJwk, publicJwkOf, publicKeySha256 } from "./public-key.ts";
export { type RewrapEnvelopeOptions, type RewrapStep, rewrapEnvelope } from "./rewrap-envelope.ts";
export { type SealedKey, type SealOptions, sealPrivateKey } from "./seal-private-key.ts";
