import { CodedError, codedErrorGuard } from "../errors/index.ts";

/** Every status the server answers with an error, by its stable code (a closed set: also a metric label). */
export const httpErrorStatus = {
  /** No, malformed or rejected bearer token: the caller is not known. */
  UNAUTHENTICATED: 401,
  /** A known caller that may not have an SVID (not a service account). */
  FORBIDDEN: 403,
  /** The body is not the JSON object the endpoint takes. */
  INVALID_REQUEST: 400,
  AUDIENCE_INVALID: 400,
  CSR_INVALID: 400,
  CSR_SIGNATURE_INVALID: 400,
  CSR_KEY_UNSUPPORTED: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A bug or an unusable key: nothing the caller can change. */
  INTERNAL: 500,
  /** No key of the use is loaded yet. */
  NOT_READY: 503,
  /** The API server did not answer the TokenReview. */
  TOKEN_REVIEW_UNAVAILABLE: 503,
  /** Too many TokenReviews in flight: the caller may retry. */
  TOKEN_REVIEW_BUSY: 503,
  /** The request did not finish within the server's per-request deadline. */
  DEADLINE_EXCEEDED: 503,
} as const;

/** The stable `code` of an error answer. */
export type HttpErrorCode = keyof typeof httpErrorStatus;

/** Every code, for metric label sets and tests. */
export const httpErrorCodes = Object.keys(httpErrorStatus) as HttpErrorCode[];

/** An error answer: `{"error": {"code", "message"}}` with the code's status; the message never holds a secret. */
export class HttpError extends CodedError<HttpErrorCode> {
  override readonly name = "HttpError";

  get status(): number {
    return httpErrorStatus[this.code];
  }
}

export const isHttpError = codedErrorGuard<HttpError>("HttpError");
