import type { KubeClient } from "./kube-client.ts";

/**
 * Creates a namespace and a ServiceAccount in it, and asks the API server for a token with the given
 * audience: what the kubelet projects into a pod that uses Azure Workload Identity (no kubelet runs here).
 */
export async function mintServiceAccountToken(
  admin: KubeClient,
  options: { namespace: string; serviceAccount: string; audience: string },
): Promise<string> {
  const { namespace, serviceAccount, audience } = options;
  await admin.json("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace },
  });
  await admin.json("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: serviceAccount },
  });
  const tokenRequest = await admin.json<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { audiences: [audience], expirationSeconds: 3600 },
    },
  );
  return tokenRequest.status.token;
}
