import { CodedError, type CodedErrorOptions, codedErrorGuard, printableJson } from "../errors/index.ts";

/** Stable codes, one per reason an envelope is refused. */
export type EnvelopeErrorCode =
  /** `envelope.version` is not one this code reads (only 1). */
  | "ENVELOPE_VERSION_UNKNOWN"
  /** `wrappedDek.alg` or `ciphertext.alg` is not `A256GCM`. */
  | "ENVELOPE_ALG_UNKNOWN"
  /** A field is missing, of the wrong type, not unpadded base64url, or of the wrong length. */
  | "ENVELOPE_MALFORMED"
  /** The stored `context` differs from the one derived from where the record was found. */
  | "ENVELOPE_CONTEXT_MISMATCH"
  /** A GCM tag did not verify; `layer` says which: `wrappedDek` (the HSM refused) or `ciphertext` (local). */
  | "ENVELOPE_AUTH_FAILED"
  /** The decrypted private key is not the one `publicKey` names. */
  | "ENVELOPE_PUBLIC_KEY_MISMATCH"
  /** The record was wrapped by another provider, HSM or KEK name than the configuration names. */
  | "PROVIDER_MISMATCH"
  /** The HSM answered an encrypt or decrypt with something the protocol rules out (IV/tag/DEK size, other key). */
  | "ENVELOPE_HSM_RESPONSE_INVALID"
  /** The HSM call failed for another reason (permission, deadline, unavailable); `cause` has the details. */
  | "ENVELOPE_HSM_FAILED";

/** The two authenticated layers of an envelope. */
export type EnvelopeLayer = "wrappedDek" | "ciphertext";

/** Options of {@link EnvelopeError}. */
export interface EnvelopeErrorOptions extends CodedErrorOptions<EnvelopeErrorCode> {
  /** The field the refusal is about, as a path (`envelope.context.keyId`); undefined when none. */
  readonly field?: string;
  /** For `ENVELOPE_AUTH_FAILED`: the layer whose tag did not verify. */
  readonly layer?: EnvelopeLayer;
}

/** Why an envelope could not be sealed or opened; no plaintext or key material is ever in it. */
export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override readonly name = "EnvelopeError";
  readonly field: string | undefined;
  readonly layer: EnvelopeLayer | undefined;

  constructor(message: string, options: EnvelopeErrorOptions) {
    super(message, options);
    this.field = options.field;
    this.layer = options.layer;
  }
}

export const isEnvelopeError = codedErrorGuard<EnvelopeError>("EnvelopeError");

/** A value echoed into a message: JSON-quoted with every non-printing character escaped, cut short. */
export function quoted(value: unknown): string {
  const text = printableJson(JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
