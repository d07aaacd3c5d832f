import { CodedError, type CodedErrorOptions, codedErrorGuard } from "../errors/index.ts";
import type { TransientKind } from "./transient-failure.ts";

/** Stable codes of the failures the HSM client itself decides (the SDK's own errors pass through). */
export type HsmClientErrorCode =
  /** The deadline passed before the call succeeded; `lastFailure` says what kept failing. */
  | "HSM_DEADLINE_EXCEEDED"
  /** The service answered, but not with what the protocol promises (missing iv/tag, unparsable kid). */
  | "HSM_RESPONSE_INVALID"
  /** The proxy (HTTPS_PROXY) failed the request: unreachable, or refused the CONNECT; never retried. */
  | "HSM_PROXY_FAILED";

/** Options of {@link HsmClientError}. */
export interface HsmClientErrorOptions extends CodedErrorOptions<HsmClientErrorCode> {
  /** The operation that failed: `getKey`, `encrypt`, `decrypt`. */
  readonly operation: string;
  /** Attempts made, the failed ones included. */
  readonly attempts: number;
  /** For a deadline: what the last failed attempt was; undefined when it was still running. */
  readonly lastFailure?: TransientKind;
  /** For a deadline: how many attempts were throttled (429). Default 0. */
  readonly throttledAttempts?: number;
  /** `x-ms-request-id` of the last response, when there was one. */
  readonly requestId?: string;
}

/** A failure of {@link ManagedHsmKeyClient} that is not an SDK error, with a stable string `code`. */
export class HsmClientError extends CodedError<HsmClientErrorCode> {
  override readonly name = "HsmClientError";
  readonly operation: string;
  readonly attempts: number;
  readonly lastFailure: TransientKind | undefined;
  readonly throttledAttempts: number;
  readonly requestId: string | undefined;

  constructor(message: string, options: HsmClientErrorOptions) {
    super(message, options);
    this.operation = options.operation;
    this.attempts = options.attempts;
    this.lastFailure = options.lastFailure;
    this.throttledAttempts = options.throttledAttempts ?? 0;
    this.requestId = options.requestId;
  }
}

export const isHsmClientError = codedErrorGuard<HsmClientError>("HsmClientError");
