import {
  AdmissionregistrationV1Api,
  type KubeConfig,
  type V1LabelSelector,
  type V1MutatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { apiFailureMessage, apiStatusOf } from "./api-failure.ts";
import { WorkloadIdentityError } from "./workload-identity-error.ts";
import { useLabel, webhookConfigurationName, webhookName } from "./workload-identity-names.ts";

/** Where the API server calls the webhook. */
export interface WebhookRegistrationOptions {
  /** Full `https://` URL of the webhook's endpoint, path included. */
  readonly url: string;
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string | Uint8Array;
  /** Limits the webhook to matching namespaces (tests sharing a cluster). Default: every namespace, as on AKS. */
  readonly namespaceSelector?: V1LabelSelector;
}

/** A registration; `unregister()` deletes it (a missing one is fine) and is safe to call twice. */
export interface WebhookRegistration {
  readonly name: string;
  unregister(): Promise<void>;
}

/**
 * Creates (or replaces) the MutatingWebhookConfiguration the real webhook's manifest installs, pointed
 * at `url`: Pods labelled `azure.workload.identity/use: "true"`, CREATE only, failurePolicy Fail (a Pod
 * that needs its identity is never admitted without it), sideEffects None, reinvocationPolicy IfNeeded
 * (so env added by a later webhook's containers still gets the identity), matchPolicy Equivalent.
 */
export async function registerWorkloadIdentityWebhook(
  kubeConfig: KubeConfig,
  options: WebhookRegistrationOptions,
): Promise<WebhookRegistration> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const body: V1MutatingWebhookConfiguration = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: webhookConfigurationName, labels: { "azure-workload-identity.io/system": "true" } },
    webhooks: [
      {
        name: webhookName,
        admissionReviewVersions: ["v1"],
        clientConfig: { url: options.url, caBundle: Buffer.from(options.caBundle).toString("base64") },
        failurePolicy: "Fail",
        matchPolicy: "Equivalent",
        objectSelector: { matchLabels: { [useLabel]: "true" } },
        ...(options.namespaceSelector !== undefined && { namespaceSelector: options.namespaceSelector }),
        reinvocationPolicy: "IfNeeded",
        rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }],
        sideEffects: "None",
        timeoutSeconds: 10,
      },
    ],
  };
  const fail = (what: string, error: unknown) =>
    new WorkloadIdentityError(
      `MutatingWebhookConfiguration ${webhookConfigurationName}: ${what} failed (${apiFailureMessage(error)})`,
      { code: "WI_REGISTER_FAILED", cause: error },
    );
  try {
    await api.createMutatingWebhookConfiguration({ body });
  } catch (error) {
    if (apiStatusOf(error) !== 409) throw fail("create", error);
    // Left by an earlier run (or another local cluster's webhook): take it over, with its resourceVersion.
    try {
      const current = await api.readMutatingWebhookConfiguration({ name: webhookConfigurationName });
      const resourceVersion = current.metadata?.resourceVersion;
      await api.replaceMutatingWebhookConfiguration({
        name: webhookConfigurationName,
        body: {
          ...body,
          metadata: { ...body.metadata, ...(resourceVersion !== undefined && { resourceVersion }) },
        },
      });
    } catch (replaceError) {
      throw fail("replace", replaceError);
    }
  }
  let removed = false;
  return {
    name: webhookConfigurationName,
    async unregister() {
      if (removed) return;
      removed = true;
      try {
        await api.deleteMutatingWebhookConfiguration({ name: webhookConfigurationName });
      } catch (error) {
        if (apiStatusOf(error) !== 404) throw fail("delete", error);
      }
    },
  };
}
