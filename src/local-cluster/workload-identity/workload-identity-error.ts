import { CodedError, codedErrorGuard } from "../../errors/index.ts";

/** Stable codes of {@link WorkloadIdentityError}. */
export type WorkloadIdentityErrorCode =
  /** The Pod's or ServiceAccount's token-expiration annotation is not an integer in 3600..86400. */
  | "WI_TOKEN_EXPIRATION_INVALID"
  /** The admission request could not be decoded (not an AdmissionReview v1 carrying a Pod). */
  | "WI_REVIEW_INVALID"
  /** The Pod's ServiceAccount could not be read from the API server. */
  | "WI_SERVICE_ACCOUNT_UNREADABLE"
  /** The serving certificate, key or CA file could not be read, or the port could not be bound. */
  | "WI_SERVE_FAILED"
  /** The MutatingWebhookConfiguration could not be created or deleted. */
  | "WI_REGISTER_FAILED";

/**
 * A failure of the local Workload Identity webhook. For admission failures the message is what the
 * API server shows the client after `admission webhook "…" denied the request: `, worded as the real
 * webhook words it.
 */
export class WorkloadIdentityError extends CodedError<WorkloadIdentityErrorCode> {
  override readonly name = "WorkloadIdentityError";
}

export const isWorkloadIdentityError = codedErrorGuard<WorkloadIdentityError>("WorkloadIdentityError");
