// The names the Azure Workload Identity webhook uses, copied from its pkg/webhook/consts.go at v1.5.1
// (https://github.com/Azure/azure-workload-identity/blob/v1.5.1/pkg/webhook/consts.go): the paths and
// names AKS documents. v1.6.0 (June 2026) moved the mount to /var/run/secrets/azure/wi and names the
// volume per Pod; AZURE_FEDERATED_TOKEN_FILE points at whichever is used, so workloads read the env.

/** Pod label that opts a Pod in (the webhook's objectSelector). */
export const useLabel = "azure.workload.identity/use";
/** ServiceAccount annotation: the client id of the managed identity / app registration. */
export const clientIdAnnotation = "azure.workload.identity/client-id";
/** ServiceAccount annotation: a tenant other than the webhook's own. */
export const tenantIdAnnotation = "azure.workload.identity/tenant-id";
/** Pod (first) or ServiceAccount annotation: `expirationSeconds` of the projected token. */
export const tokenExpirationAnnotation = "azure.workload.identity/service-account-token-expiration";
/** Pod annotation: `;`-separated container names that get neither env nor mount. */
export const skipContainersAnnotation = "azure.workload.identity/skip-containers";

export const minTokenExpirationSeconds = 3600;
export const maxTokenExpirationSeconds = 86400;
/** Kubernetes' own default for a projected service-account token. */
export const defaultTokenExpirationSeconds = 3600;

/** Name of the volume, and the file inside it. */
export const tokenVolumeName = "azure-identity-token";
export const tokenMountPath = "/var/run/secrets/azure/tokens";
export const tokenFile = `${tokenMountPath}/${tokenVolumeName}`;
/** Audience of the projected token: what Entra ID expects for a federated credential. */
export const defaultAudience = "api://AzureADTokenExchange";

/** The real webhook's registration names (its manifest), so `kubectl get` looks as it does on AKS. */
export const webhookConfigurationName = "azure-wi-webhook-mutating-webhook-configuration";
export const webhookName = "mutation.azure-workload-identity.io";
export const webhookPath = "/mutate-v1-pod";
