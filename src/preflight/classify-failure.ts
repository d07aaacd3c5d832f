import { errorChain, errorNameOf, messageOf } from "../hsm/index.ts";
import {
  credentialSelectionInvalid,
  noTokenWithoutAadsts,
  notManagedHsm,
  tenantMismatch,
  tokenFileUnreadable,
  tokenRejected,
  workloadIdentityUnavailable,
} from "./classify-entra-failure.ts";
import {
  aborted,
  entraUntilDeadline,
  foreignResponse,
  hsmForbidden,
  hsmUnauthorized,
  hsmUntilDeadline,
  keyNotFound,
  responseInvalid,
  unexpectedStatus,
  unparsableBody,
} from "./classify-hsm-failure.ts";
import {
  networkFailed,
  proxyFailedHsmRequest,
  proxyFailedTokenRequest,
  tlsFailed,
} from "./classify-network-failure.ts";
import { type Classifier, type FailureContext, failureFacts } from "./failure-facts.ts";
import { isPreflightError, type PreflightError } from "./preflight-error.ts";

export type { FailureContext } from "./failure-facts.ts";

/**
 * The rules, most specific first; the first that recognises the error decides. The order is the
 * contract: the proxy before the statuses it fakes, the HSM client's own verdicts before the SDK
 * errors they wrap, answers with a status before socket errors, an AADSTS code before the bare
 * "no token".
 */
export const classifiers: readonly Classifier[] = [
  proxyFailedHsmRequest,
  proxyFailedTokenRequest,
  responseInvalid,
  tlsFailed,
  entraUntilDeadline,
  hsmUntilDeadline,
  hsmUnauthorized,
  hsmForbidden,
  keyNotFound,
  unparsableBody,
  unexpectedStatus,
  networkFailed,
  tokenFileUnreadable,
  credentialSelectionInvalid,
  tokenRejected,
  tenantMismatch,
  notManagedHsm,
  workloadIdentityUnavailable,
  foreignResponse,
  aborted,
  noTokenWithoutAadsts,
];

/** Turns any error thrown while checking into a classified {@link PreflightError}. */
export function classifyFailure(error: unknown, context: FailureContext): PreflightError {
  if (isPreflightError(error)) return error;
  const chain = errorChain(error);
  const facts = failureFacts(error, chain, context);
  for (const classify of classifiers) {
    const failure = classify(chain, facts);
    if (failure !== undefined) return failure;
  }
  return facts.make(
    "UNEXPECTED",
    `${context.step}: ${errorNameOf(error) ?? "Error"}: ${messageOf(error) || String(error)}`,
  );
}
