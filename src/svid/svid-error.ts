import { CodedError, codedErrorGuard } from "../errors/index.ts";

/** Why an SVID was not issued; every code is the caller's fault except `KEY_UNSUPPORTED`. */
export type SvidErrorCode =
  | "SPIFFE_ID_INVALID"
  | "AUDIENCE_INVALID"
  | "CSR_INVALID"
  | "CSR_SIGNATURE_INVALID"
  | "CSR_KEY_UNSUPPORTED"
  | "KEY_UNSUPPORTED";

/** A refused SVID request or an unusable signing key; the message never quotes key material. */
export class SvidError extends CodedError<SvidErrorCode> {
  override readonly name = "SvidError";
}

export const isSvidError = codedErrorGuard<SvidError>("SvidError");
