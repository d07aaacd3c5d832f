import { DefaultAzureCredential, type TokenCredential, WorkloadIdentityCredential } from "@azure/identity";
import type { CallRecorder } from "./call-recorder.ts";

/** Options of {@link createDefaultCredential}. */
export interface DefaultCredentialOptions {
  /**
   * Limit the chain to `WorkloadIdentityCredential` unless the environment already chose one with
   * `AZURE_TOKEN_CREDENTIALS`. Without it a rejected federated token is tried again by the managed identity
   * credential and then by developer tools, and the one useful AADSTS line drowns in the aggregate. Default false.
   */
  readonly workloadIdentityOnly?: boolean;
}

/**
 * `DefaultAzureCredential` (Workload Identity in a pod) with the identity client's own retries off, so
 * that the caller's deadline decides how long a token may take.
 */
export function createDefaultCredential(options: DefaultCredentialOptions = {}): TokenCredential {
  const restrict = options.workloadIdentityOnly === true && !process.env.AZURE_TOKEN_CREDENTIALS;
  // DefaultAzureCredential reads its chain selection only from this variable, and only while constructing.
  if (restrict) process.env.AZURE_TOKEN_CREDENTIALS = "WorkloadIdentityCredential";
  try {
    return new DefaultAzureCredential({ retryOptions: { maxRetries: 0 } });
  } finally {
    if (restrict) delete process.env.AZURE_TOKEN_CREDENTIALS;
  }
}

/**
 * Workload Identity only (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE`), with the
 * identity client's own retries off: the credential `DefaultAzureCredential` builds when told
 * `AZURE_TOKEN_CREDENTIALS=WorkloadIdentityCredential`, without the rest of its chain. Constructing that
 * chain loads every other credential and `child_process` (about 20 ms of the preflight's start, measured
 * interleaved), and a bundle that never names `DefaultAzureCredential` leaves them out.
 */
export function createWorkloadIdentityCredential(): TokenCredential {
  return new WorkloadIdentityCredential({ retryOptions: { maxRetries: 0 } });
}

/** Wraps a credential so every token request is timed into `recorder`. */
export function recordTokens(credential: TokenCredential, recorder: CallRecorder): TokenCredential {
  return {
    async getToken(scopes, options) {
      const done = recorder.startToken();
      try {
        return await credential.getToken(scopes, options);
      } finally {
        done();
      }
    },
  };
}
