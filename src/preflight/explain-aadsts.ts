/** What an Entra AADSTS code usually means for a pod using Workload Identity, and what to do. */
export interface AadstsExplanation {
  readonly meaning: string;
  readonly fix: string;
}

const federatedFix =
  "Create or correct the federated credential: issuer = the cluster's OIDC issuer (az aks show --query oidcIssuerProfile.issuerUrl), subject = system:serviceaccount:<namespace>:<service-account>, audience = api://AzureADTokenExchange.";

/** The AADSTS codes a Workload Identity token exchange meets in practice. */
export const aadstsExplanations: Readonly<Record<number, AadstsExplanation>> = {
  70021: {
    meaning:
      "no federated identity credential matches the service-account token (issuer, subject or audience)",
    fix: federatedFix,
  },
  700211: {
    meaning: "no federated identity credential has the token's issuer (the cluster's OIDC issuer URL)",
    fix: federatedFix,
  },
  700212: {
    meaning: "no federated identity credential has the token's audience",
    fix: "Set the federated credential's audience to api://AzureADTokenExchange (the audience the Workload Identity webhook requests).",
  },
  700213: {
    meaning:
      "federated credential subject mismatch: no federated identity credential has the token's subject (namespace or service-account name differ)",
    fix: "Set the federated credential's subject to system:serviceaccount:<release namespace>:<service account name> of this release.",
  },
  700024: {
    meaning: "the service-account token is outside its validity period",
    fix: "Check the node clock; the projected token is refreshed by the kubelet, so restart the pod if it is stale.",
  },
  700027: {
    meaning: "the service-account token's signature does not verify against the issuer's keys",
    fix: "Check that the federated credential's issuer is this cluster's OIDC issuer and that its keys are published.",
  },
  700016: {
    meaning: "the application (AZURE_CLIENT_ID) does not exist in the tenant",
    fix: "Set serviceAccount.workloadIdentity.clientId to the client id of the identity, in the HSM's tenant.",
  },
  90002: {
    meaning: "the tenant (AZURE_TENANT_ID) does not exist",
    fix: "Set AZURE_TENANT_ID (the webhook's azure-wi-webhook-config) to the tenant of the HSM.",
  },
  900023: {
    meaning: "the tenant identifier is neither a valid GUID nor a domain name",
    fix: "Set AZURE_TENANT_ID to the tenant's GUID.",
  },
  500011: {
    meaning: "the Managed HSM resource (https://managedhsm.azure.net) is not known in the tenant",
    fix: "Use a Managed HSM URL of this tenant's cloud; private-link or sovereign-cloud HSMs need that cloud's authority.",
  },
  50027: {
    meaning: "the service-account token is not a valid JWT",
    fix: "Check that AZURE_FEDERATED_TOKEN_FILE points at the projected service-account token.",
  },
  50166: {
    meaning: "Entra ID could not fetch the issuer's OIDC discovery document or keys",
    fix: "Make the cluster's OIDC issuer publicly reachable (AKS: --enable-oidc-issuer).",
  },
  7000215: {
    meaning: "an invalid client secret was presented",
    fix: "Do not use client secrets; use Workload Identity (serviceAccount.workloadIdentity.clientId).",
  },
  7000216: {
    meaning: "no client assertion was presented",
    fix: "Check that AZURE_FEDERATED_TOKEN_FILE points at a non-empty projected service-account token.",
  },
  53003: {
    meaning: "a Conditional Access policy blocked the sign-in",
    fix: "Exclude the workload identity from the Conditional Access policy or satisfy it (Entra ID > Sign-in logs show which).",
  },
  90033: {
    meaning: "Entra ID is temporarily unavailable",
    fix: "Retry; raise --timeout to ride out short outages.",
  },
};

/** The first `AADSTS<n>` in a message and Entra's own first sentence about it, without trace ids. */
export function findAadsts(
  message: string,
): { readonly code: number; readonly description: string } | undefined {
  const match = /AADSTS(\d+):?\s*([\s\S]*?)(?:\.\s|\.$|\s+Trace ID:|$)/.exec(message);
  if (match === null) return undefined;
  return { code: Number(match[1]), description: (match[2] ?? "").trim() };
}
