/** One class of preflight failure: its stable code, exit status and the words a person acts on. */
export interface FailureClass {
  /** Process exit status; distinct per class so a Job's status alone says what failed. */
  readonly exitCode: number;
  /** What the failure means, for the README catalogue. */
  readonly meaning: string;
  /** The general fix; a failure may carry a more specific one (the HSM name, the missing action). */
  readonly fix: string;
}

/**
 * Every way the preflight can fail. The README's catalogue is generated from this table and a test keeps
 * them equal; codes and exit statuses are stable (scripts and alerts depend on them), so only ever add.
 */
export const failureCatalogue = {
  CONFIG_INVALID: {
    exitCode: 10,
    meaning: "The key URL, key name, key version or timeout is missing or malformed.",
    fix: "Correct azure.keyVault.* as the message says; `spirl-keywrap validate -f values.yaml` checks it before install.",
  },
  URL_NOT_MANAGED_HSM: {
    exitCode: 11,
    meaning:
      "azure.keyVault.url is not a Managed HSM URL (for example a standard Key Vault `*.vault.azure.net`).",
    fix: "Set azure.keyVault.url to https://<hsm-name>.managedhsm.azure.net/; key wrapping needs a Managed HSM.",
  },
  HSM_UNREACHABLE: {
    exitCode: 12,
    meaning: "The HSM host could not be resolved or connected to (DNS, refused or reset connections).",
    fix: "Check the HSM name in the URL and that the pod can resolve and reach it on port 443 (egress NetworkPolicy, firewall, private endpoint DNS).",
  },
  TLS_FAILED: {
    exitCode: 13,
    meaning: "The TLS handshake with the HSM or Entra ID failed (untrusted or mismatched certificate).",
    fix: "Make the pod trust the real certificate chain: check TLS-intercepting proxies and NODE_EXTRA_CA_CERTS; never disable verification.",
  },
  WORKLOAD_IDENTITY_MISSING: {
    exitCode: 14,
    meaning:
      "The Azure Workload Identity environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE) is missing or unreadable, or AZURE_TOKEN_CREDENTIALS picks another credential (the image signs in with Workload Identity only) or, in the CLI, one the Azure SDK does not know.",
    fix: 'Label the pod azure.workload.identity/use: "true" and set serviceAccount.workloadIdentity.clientId so the webhook injects the variables and the token file.',
  },
  TOKEN_REJECTED: {
    exitCode: 15,
    meaning:
      "Entra ID refused to issue a Managed HSM token for the federated service-account token (an AADSTS error).",
    fix: "Act on the AADSTS code named in the message; most often the federated credential's issuer, subject or audience does not match the service account.",
  },
  TENANT_MISMATCH: {
    exitCode: 16,
    meaning: "The HSM belongs to a different Entra tenant than AZURE_TENANT_ID.",
    fix: "Use an identity in the HSM's tenant (set AZURE_TENANT_ID / the identity's tenant to the one the HSM names).",
  },
  HSM_UNAUTHORIZED: {
    exitCode: 17,
    meaning: "The HSM answered 401: it did not accept the access token (tenant, audience or lifetime).",
    fix: "Check that the identity belongs to the HSM's tenant and that the node clock is correct; the token must be for https://managedhsm.azure.net.",
  },
  HSM_FORBIDDEN: {
    exitCode: 18,
    meaning: "The HSM answered 403 AccessDenied: the identity lacks a Managed HSM local RBAC data action.",
    fix: 'Assign "Managed HSM Crypto User": az keyvault role assignment create --assignee-object-id <service-principal-object-id> --assignee-principal-type ServicePrincipal --hsm-name <hsm-name> --role "Managed HSM Crypto User" --scope "/"',
  },
  KEY_NOT_FOUND: {
    exitCode: 19,
    meaning: "No key with azure.keyVault.keyName exists in the HSM.",
    fix: "Create it (az keyvault key create --hsm-name <hsm-name> --name <key-name> --ops encrypt decrypt --kty oct --size 256) or correct keyName.",
  },
  KEY_VERSION_NOT_FOUND: {
    exitCode: 20,
    meaning: "The key exists but not the pinned azure.keyVault.keyVersion.",
    fix: "Set azure.keyVault.keyVersion to an existing version (az keyvault key list-versions --hsm-name <hsm-name> --name <key-name>) or remove it to use the latest.",
  },
  KEY_WRONG_TYPE: {
    exitCode: 21,
    meaning: "The key is not a 256-bit AES key (kty oct-HSM, 256 bits).",
    fix: "Point keyName at a 256-bit oct-HSM key (az keyvault key create … --kty oct --size 256).",
  },
  KEY_OPERATION_NOT_PERMITTED: {
    exitCode: 22,
    meaning: "The key's key_ops do not include both encrypt and decrypt.",
    fix: "Allow them: az keyvault key set-attributes --hsm-name <hsm-name> --name <key-name> --ops encrypt decrypt (plus any other operations you use).",
  },
  KEY_DISABLED: {
    exitCode: 23,
    meaning: "The key version is disabled.",
    fix: "Enable it (az keyvault key set-attributes --hsm-name <hsm-name> --name <key-name> --enabled true) or pin an enabled version.",
  },
  KEY_NOT_YET_VALID: {
    exitCode: 24,
    meaning: "The key version's activation date (nbf) is in the future.",
    fix: "Wait until the activation date, change it with az keyvault key set-attributes --not-before, or check the node clock.",
  },
  KEY_EXPIRED: {
    exitCode: 25,
    meaning: "The key version's expiry date (exp) has passed.",
    fix: "Extend it with az keyvault key set-attributes --expires, or rotate the key and use the new version.",
  },
  KID_MISMATCH: {
    exitCode: 26,
    meaning: "The HSM's encrypt result names a different HSM, key or version than the one requested.",
    fix: "Check for a proxy or DNS entry that sends the HSM host elsewhere; the preflight refuses a kid it did not ask for.",
  },
  ROUND_TRIP_FAILED: {
    exitCode: 27,
    meaning:
      "The A256GCM round trip did not give back the same 32 bytes, or the IV or tag had the wrong size.",
    fix: "Do not store data with this HSM key; report the x-ms-request-id to Azure support.",
  },
  AAD_NOT_ENFORCED: {
    exitCode: 28,
    meaning:
      "The HSM decrypted with altered additional authenticated data (AAD): it does not authenticate AAD.",
    fix: "Do not store data with this HSM; report the x-ms-request-id to Azure support.",
  },
  THROTTLED: {
    exitCode: 29,
    meaning: "The HSM or Entra ID kept answering 429 (throttled) until the deadline.",
    fix: "Retry later or raise --timeout; look for other clients using the same HSM or identity heavily (Managed HSM limits are per HSM).",
  },
  HSM_UNAVAILABLE: {
    exitCode: 30,
    meaning: "The HSM kept answering 5xx until the deadline.",
    fix: "Check Azure status for Managed HSM in the HSM's region and retry; raise --timeout to ride out short outages.",
  },
  TIMEOUT: {
    exitCode: 31,
    meaning: "The checks did not finish within --timeout.",
    fix: "Raise --timeout, or check network latency to the HSM and Entra ID.",
  },
  HSM_RESPONSE_INVALID: {
    exitCode: 32,
    meaning:
      "The HSM answered in a way the protocol does not allow (malformed body, missing fields, unexpected error).",
    fix: "Check for a proxy between the pod and the HSM; otherwise report the x-ms-request-id to Azure support.",
  },
  UNEXPECTED: {
    exitCode: 33,
    meaning: "An error the preflight does not know how to classify.",
    fix: "Report the message (it never contains secrets) to the spirl-keywrap maintainers.",
  },
  ENTRA_UNAVAILABLE: {
    exitCode: 34,
    meaning:
      "Entra ID kept failing to issue tokens (5xx, temporarily_unavailable, dropped connections, unreadable answers) until the deadline.",
    fix: "Check that the pod can reach login.microsoftonline.com and Azure status for Entra ID; raise --timeout to ride out short outages.",
  },
  PROXY: {
    exitCode: 35,
    meaning:
      "The HTTPS proxy (HTTPS_PROXY, ALL_PROXY or HTTP_PROXY) is not a URL, cannot be reached, or refused the CONNECT to the HSM or Entra ID (403, 407, 502, a closed connection).",
    fix: "Set HTTPS_PROXY to a reachable proxy URL (http://<host>:<port>, with user:password@ if it asks for 407) that allows CONNECT to <hsm-name>.managedhsm.azure.net:443 and login.microsoftonline.com:443, or list hosts the pod reaches directly in NO_PROXY.",
  },
} as const satisfies Record<string, FailureClass>;

/** The stable code of a preflight failure. */
export type FailureCode = keyof typeof failureCatalogue;

/** The codes in catalogue order. */
export const failureCodes = Object.keys(failureCatalogue) as FailureCode[];
