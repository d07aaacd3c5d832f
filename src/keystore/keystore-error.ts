import { CodedError, type CodedErrorOptions, codedErrorGuard } from "../errors/index.ts";

/** Stable codes of the store's own failures (an envelope's refusals stay `EnvelopeError`s). */
export type KeyStoreErrorCode =
  /** Someone else changed the record in a way that makes this update no longer apply. */
  | "KEYSTORE_CONFLICT"
  /** The record is gone. */
  | "KEYSTORE_NOT_FOUND"
  /** The API server refused or could not be reached; `status` has the HTTP status when there was one. */
  | "KEYSTORE_API_FAILED"
  /** The arguments cannot make a valid record (e.g. x509-svid without a CA certificate). */
  | "KEYSTORE_INVALID_REQUEST";

/** Options of {@link KeyStoreError}. */
export interface KeyStoreErrorOptions extends CodedErrorOptions<KeyStoreErrorCode> {
  /** `namespace/name` of the resource, when there is one. */
  readonly resource?: string;
  /** HTTP status from the API server. */
  readonly status?: number;
}

/** A failure of the SigningKey store. */
export class KeyStoreError extends CodedError<KeyStoreErrorCode> {
  override readonly name = "KeyStoreError";
  readonly resource: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, options: KeyStoreErrorOptions) {
    super(message, options);
    this.resource = options.resource;
    this.status = options.status;
  }
}

export const isKeyStoreError = codedErrorGuard<KeyStoreError>("KeyStoreError");
