// Classifiers for getting a token: the pod's Workload Identity setup and what Entra ID answered.
import { errorCodeOf, errorNameOf, messageOf } from "../hsm/index.ts";
import { aadstsExplanations, findAadsts } from "./explain-aadsts.ts";
import type { Classifier } from "./failure-facts.ts";

const fileErrors = /\b(EISDIR|EACCES|EPERM|ENOENT|ENOTDIR|ELOOP|ENAMETOOLONG)\b/;

/**
 * The credential could not read AZURE_FEDERATED_TOKEN_FILE (the preflight checks it first, but the file
 * can change in between): the identity library keeps only the message, so the code is read from it.
 */
export const tokenFileUnreadable: Classifier = (chain, facts) => {
  for (const link of chain) {
    const code = errorCodeOf(link) ?? fileErrors.exec(messageOf(link))?.[1];
    if (code !== undefined && fileErrors.test(code))
      return facts.make(
        "WORKLOAD_IDENTITY_MISSING",
        `${facts.step}: the federated token file (AZURE_FEDERATED_TOKEN_FILE) cannot be read (${code}): ${messageOf(link)}`,
      );
  }
  return undefined;
};

/** AZURE_TOKEN_CREDENTIALS names nothing the Azure SDK knows; its own words list what it accepts. */
export const credentialSelectionInvalid: Classifier = (chain, facts) => {
  const message = chain.map(messageOf).find((text) => /AZURE_TOKEN_CREDENTIALS/.test(text));
  return message === undefined
    ? undefined
    : facts.make(
        "WORKLOAD_IDENTITY_MISSING",
        `${facts.step}: ${message}`,
        "Remove AZURE_TOKEN_CREDENTIALS from the pod, or set it to WorkloadIdentityCredential.",
      );
};

/** Entra ID refused the token exchange with an AADSTS code: explained when it is a known one. */
export const tokenRejected: Classifier = (chain, facts) => {
  const aadsts = chain.map((link) => findAadsts(messageOf(link))).find((found) => found !== undefined);
  if (aadsts === undefined) return undefined;
  const known = aadstsExplanations[aadsts.code];
  return facts.make(
    "TOKEN_REJECTED",
    `Entra ID refused the token: AADSTS${aadsts.code}${known === undefined ? "" : ` (${known.meaning})`}: ${aadsts.description}`,
    known?.fix,
  );
};

/** The HSM's challenge names a tenant the identity library is not allowed to get tokens for. */
export const tenantMismatch: Classifier = (chain, facts) => {
  const tenant = /not configured to acquire tokens for tenant ([\w-]+(?:\.[\w-]+)*)/.exec(
    chain.map(messageOf).join(" | "),
  );
  return tenant === null
    ? undefined
    : facts.make(
        "TENANT_MISMATCH",
        `${facts.hsm} belongs to tenant ${tenant[1]}, but AZURE_TENANT_ID is ${facts.tenantId ?? "unset"}`,
      );
};

/** The host's challenge names another resource than Managed HSM. */
export const notManagedHsm: Classifier = (chain, facts) =>
  chain.some((link) => /challenge resource .* does not match/i.test(messageOf(link)))
    ? facts.make("URL_NOT_MANAGED_HSM", `${facts.host} did not identify itself as a Managed HSM`)
    : undefined;

/** The Workload Identity credential says it cannot work in this pod. */
export const workloadIdentityUnavailable: Classifier = (chain, facts) => {
  const all = chain.map(messageOf).join(" | ");
  if (!/WorkloadIdentityCredential|federated/i.test(all) || !/unavailable|requires|not set/i.test(all))
    return undefined;
  return facts.make(
    "WORKLOAD_IDENTITY_MISSING",
    `Workload Identity is not usable: ${chain.map(messageOf).find(Boolean) ?? ""}`,
  );
};

/** No token, and no AADSTS code to act on: the request probably never reached Entra ID. */
export const noTokenWithoutAadsts: Classifier = (chain, facts) =>
  chain.some((link) => /Authentication|CredentialUnavailable/.test(errorNameOf(link) ?? ""))
    ? facts.make(
        "TOKEN_REJECTED",
        `could not get a token for the HSM: ${chain.map(messageOf).find(Boolean) ?? ""}`,
        "Entra ID gave no AADSTS code, so the token request likely never reached it: check that the pod reaches https://login.microsoftonline.com (AZURE_AUTHORITY_HOST, HTTPS_PROXY, egress rules) and that AZURE_TENANT_ID and AZURE_CLIENT_ID are right.",
      )
    : undefined;
