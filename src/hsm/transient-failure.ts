import {
  errorChain,
  errorCodeOf,
  errorNameOf,
  messageOf,
  responseHeaderOf,
  statusCodeOf,
} from "./rest-error-fields.ts";

/** Why a failed call may succeed if repeated. */
export type TransientKind =
  /** 429: the HSM or Entra asked us to slow down. */
  | "throttled"
  /** 408 or 5xx (except 501/505): the service failed this time. */
  | "unavailable"
  /** The connection was reset, refused or timed out before a response. */
  | "connection";

/** A failure worth repeating, and how long the service asked us to wait. */
export interface TransientFailure {
  readonly kind: TransientKind;
  /** From `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`; undefined when the service named none. */
  readonly retryAfterMs?: number;
}

// ENOTFOUND is left out on purpose: a misspelled HSM name never resolves, and waiting for the deadline
// would only hide the one-line answer. EAI_AGAIN is the resolver's own "try again".
const transientNetworkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);

// Entra ID failures reach us inside identity errors without a status code; these are its transient ones
// (MSAL itself holds further requests back until a 429's Retry-After has passed).
const entraThrottled = /AADSTS(50196|90055)\b/;
const entraUnavailable = /temporarily_unavailable|AADSTS(90033|90006|50001)\b/;
// MSAL's word for a token request that got no HTTP answer (a reset, a dropped connection): it keeps no
// socket error code, so the message is all there is. HSM resets are retried; so are these.
const entraNoAnswer = /\bnetwork_error\b/;

/** The HTTP status of an Entra ID token response, from MSAL's `ServerError`. */
export function entraStatusOf(error: unknown): number | undefined {
  if (errorNameOf(error) !== "ServerError") return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** Parses the retry headers the Azure SDK's own throttling strategy reads, in its order. */
export function retryAfterMs(error: unknown): number | undefined {
  for (const header of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(responseHeaderOf(error, header));
    if (Number.isFinite(value) && value >= 0 && responseHeaderOf(error, header) !== undefined) return value;
  }
  const retryAfter = responseHeaderOf(error, "retry-after");
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Says whether a failed SDK call is worth repeating. Permanent failures (other 4xx, TLS, DNS, client-side
 * validation, credential problems) return undefined so they fail at once.
 */
export function transientFailure(error: unknown): TransientFailure | undefined {
  const chain = errorChain(error);
  // Statuses first: a wrapper's message may sound transient while the response underneath says otherwise.
  for (const link of chain) {
    const status = statusCodeOf(link);
    if (status === 429) {
      const wait = retryAfterMs(link);
      return wait === undefined ? { kind: "throttled" } : { kind: "throttled", retryAfterMs: wait };
    }
    if (status === 408 || (status !== undefined && status >= 500 && status !== 501 && status !== 505)) {
      const wait = retryAfterMs(link);
      return wait === undefined ? { kind: "unavailable" } : { kind: "unavailable", retryAfterMs: wait };
    }
    if (status !== undefined) return undefined;
    // MSAL's ServerError carries Entra's HTTP status as `status` (not `statusCode`).
    const entraStatus = entraStatusOf(link);
    if (entraStatus === 429) return { kind: "throttled" };
    if (entraStatus !== undefined && entraStatus >= 500) return { kind: "unavailable" };
  }
  for (const link of chain) {
    const message = messageOf(link);
    if (entraThrottled.test(message)) return { kind: "throttled" };
    if (entraUnavailable.test(message)) return { kind: "unavailable" };
    if (entraNoAnswer.test(message)) return { kind: "connection" };
    const code = errorCodeOf(link);
    if (code !== undefined && transientNetworkCodes.has(code)) return { kind: "connection" };
    if (errorNameOf(link) === "AttemptTimeoutError") return { kind: "connection" };
  }
  return undefined;
}
