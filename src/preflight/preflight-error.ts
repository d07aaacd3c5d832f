import { type FailureCode, failureCatalogue } from "./failure-catalogue.ts";

/** Options of {@link PreflightError}. */
export interface PreflightErrorOptions {
  /** A fix specific to this failure; default: the catalogue's general fix. */
  readonly fix?: string;
  /** `x-ms-request-id` of the HSM response that showed the failure. */
  readonly requestId?: string | undefined;
  readonly cause?: unknown;
}

/** A classified preflight failure: stable code, one-line message and fix, exit status. Data, no formatting. */
export class PreflightError extends Error {
  override readonly name = "PreflightError";
  readonly code: FailureCode;
  readonly fix: string;
  readonly requestId: string | undefined;

  constructor(code: FailureCode, message: string, options: PreflightErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.fix = options.fix ?? failureCatalogue[code].fix;
    this.requestId = options.requestId;
  }

  /** The process exit status for this failure's class. */
  get exitCode(): number {
    return failureCatalogue[this.code].exitCode;
  }
}

export function isPreflightError(value: unknown): value is PreflightError {
  return value instanceof PreflightError;
}
