// The Azure Workload Identity mutating admission webhook of the local cluster: the public face of
// src/local-cluster/workload-identity. Dev and test only.
export { type JsonPatchOp, type MutatePodConfig, mutatePod } from "./mutate-pod.ts";
export {
  registerWorkloadIdentityWebhook,
  type WebhookRegistration,
  type WebhookRegistrationOptions,
} from "./register-webhook.ts";
export {
  type AdmissionResponse,
  type AdmissionReviewAnswer,
  type ReadServiceAccount,
  reviewPod,
} from "./review-pod.ts";
export {
  startWorkloadIdentityWebhook,
  type WorkloadIdentityWebhook,
  type WorkloadIdentityWebhookOptions,
} from "./start-webhook.ts";
export {
  isWorkloadIdentityError,
  WorkloadIdentityError,
  type WorkloadIdentityErrorCode,
} from "./workload-identity-error.ts";
export * as workloadIdentityNames from "./workload-identity-names.ts";
