import { CodedError, type CodedErrorOptions, codedErrorGuard } from "../errors/index.ts";
import { type FailureCode, failureCatalogue } from "./failure-catalogue.ts";

/** Options of {@link PreflightError}. */
export interface PreflightErrorOptions extends CodedErrorOptions<FailureCode> {
  /** A fix specific to this failure; default: the catalogue's general fix. */
  readonly fix?: string;
  /** `x-ms-request-id` of the HSM response that showed the failure. */
  readonly requestId?: string | undefined;
}

/** A classified preflight failure: stable code, one-line message and fix, exit status. Data, no formatting. */
export class PreflightError extends CodedError<FailureCode> {
  override readonly name = "PreflightError";
  readonly fix: string;
  readonly requestId: string | undefined;

  constructor(message: string, options: PreflightErrorOptions) {
    super(message, options);
    this.fix = options.fix ?? failureCatalogue[options.code].fix;
    this.requestId = options.requestId;
  }

  /** The process exit status for this failure's class. */
  get exitCode(): number {
    return failureCatalogue[this.code].exitCode;
  }
}

export const isPreflightError = codedErrorGuard<PreflightError>("PreflightError");
