import { readFileSync } from "node:fs";
import {
  ClientAssertionCredential,
  CredentialUnavailableError,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
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

/** The identity library's words when a Workload Identity variable is missing, kept for the classifiers. */
const unavailable = (what: string) =>
  new CredentialUnavailableError(`WorkloadIdentityCredential: is unavailable. ${what}`);

/**
 * Workload Identity only (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE`), with the
 * identity client's own retries off, and without `DefaultAzureCredential`'s chain: constructing that chain
 * loads every other credential and `child_process` (about 20 ms of the preflight's start, measured
 * interleaved), and a bundle that never names `DefaultAzureCredential` leaves them out.
 *
 * It is the SDK's `ClientAssertionCredential` with the projected service-account token as its assertion,
 * which is what `WorkloadIdentityCredential` is, with one difference: the token file is read synchronously,
 * afresh for each token request. `WorkloadIdentityCredential` reads it with `fs/promises` (and keeps it five
 * minutes): four thread-pool round trips, each queued behind the HSM connection's TLS work on the event
 * loop, which held the token request back by about 19 ms of a 50 ms preflight at 0 ms added round trip
 * (traced). The file is a few hundred bytes on a local projected volume, read once an hour or so. Every
 * variable comes from `env`, `AZURE_AUTHORITY_HOST` included (the SDK would read that one from
 * `process.env`).
 */
export function createWorkloadIdentityCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId, AZURE_FEDERATED_TOKEN_FILE: file } = env;
  if (!clientId) throw unavailable("AZURE_CLIENT_ID is not set.");
  if (!tenantId) throw unavailable("AZURE_TENANT_ID is not set.");
  if (!file) throw unavailable("AZURE_FEDERATED_TOKEN_FILE is not set.");
  const readAssertion = async () => {
    const token = readFileSync(file, "utf8").trim();
    if (token === "") throw unavailable(`No content on the file ${file}.`);
    return token;
  };
  return new ClientAssertionCredential(tenantId, clientId, readAssertion, {
    retryOptions: { maxRetries: 0 },
    ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST } : {}),
  });
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
