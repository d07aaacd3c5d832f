// A Managed HSM key client over the unmodified Azure SDKs: the one public face of src/hsm.
export type { HsmCallStats } from "./call-recorder.ts";
export {
  createDefaultCredential,
  createWorkloadIdentityCredential,
  type DefaultCredentialOptions,
} from "./create-credential.ts";
export { createDeadline, type Deadline, raceSignal, remainingMs } from "./deadline.ts";
export { HsmClientError, type HsmClientErrorCode, isHsmClientError } from "./hsm-client-error.ts";
export {
  type CallOptions,
  type HsmKey,
  ManagedHsmKeyClient,
  type ManagedHsmKeyClientOptions,
  type SealedBytes,
} from "./managed-hsm-key-client.ts";
export { type KeyId, parseKeyId } from "./parse-key-id.ts";
export { describeProxy, type ProxySetting, proxySetting, usesProxy } from "./proxy-setting.ts";
export {
  errorChain,
  errorCodeOf,
  errorNameOf,
  messageOf,
  responseHeaderOf,
  statusCodeOf,
} from "./rest-error-fields.ts";
export { backoffMs, type RetryPolicy, retryWithinDeadline } from "./retry-within-deadline.ts";
export {
  entraStatusOf,
  retryAfterMs,
  type TransientFailure,
  type TransientKind,
  transientFailure,
} from "./transient-failure.ts";
