import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  startWorkloadIdentityWebhook,
  type WorkloadIdentityWebhook,
} from "../../src/local-cluster/workload-identity/index.ts";
import type { KubeClient } from "../helpers/kube-client.ts";
import { connectCluster } from "../helpers/local-cluster.ts";

const cluster = inject("cluster");
const clientId = "12345678-0000-0000-0000-0000000000ab";
const authorityHost = "https://127.0.0.1:1/entra/";

interface Pod {
  metadata: { name: string };
  spec: {
    containers: { name: string; env?: { name: string; value?: string }[]; volumeMounts?: unknown[] }[];
    initContainers?: { name: string; env?: { name: string; value?: string }[] }[];
    volumes?: { name: string; projected?: unknown }[];
  };
}

describe("Workload Identity webhook registered with a real kube-apiserver", () => {
  let admin: KubeClient;
  let webhook: WorkloadIdentityWebhook | undefined;
  const namespace = `wi-${randomBytes(3).toString("hex")}`;
  // Other test files share this cluster and admit labelled chart Pods; keep the webhook to this namespace.
  const scope = { "spirl-keywrap.test/workload-identity-webhook": namespace };

  beforeAll(async () => {
    ({ admin } = await connectCluster(cluster));
    await admin.json("POST", "/api/v1/namespaces", { metadata: { name: namespace, labels: scope } });
    for (const [name, annotations] of [
      ["app", { "azure.workload.identity/client-id": clientId }],
      ["other-tenant", { "azure.workload.identity/tenant-id": "sa-tenant" }],
    ] as const) {
      await admin.json("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
        metadata: { name, annotations },
      });
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfig);
    webhook = await startWorkloadIdentityWebhook({
      kubeConfig,
      tls: { certFile: cluster.pki.webhookServingCert, keyFile: cluster.pki.webhookServingKey },
      caFile: cluster.caFile,
      tenantId: "webhook-tenant",
      authorityHost,
      namespaceSelector: { matchLabels: scope },
    });
  });

  afterAll(async () => {
    await webhook?.close();
    // Left registered, it would refuse every labelled Pod with nothing listening (failurePolicy Fail).
    const registration = await admin?.request(
      "GET",
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/azure-wi-webhook-mutating-webhook-configuration",
    );
    expect(registration?.status).toBe(404);
    await admin?.request("DELETE", `/api/v1/namespaces/${namespace}`);
  });

  const createPod = (name: string, options: { labelled: boolean; serviceAccountName?: string }) =>
    admin.request("POST", `/api/v1/namespaces/${namespace}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, ...(options.labelled && { labels: { "azure.workload.identity/use": "true" } }) },
      spec: {
        ...(options.serviceAccountName && { serviceAccountName: options.serviceAccountName }),
        // Else ServiceAccount admission adds its own token volume, which is not what these tests look at.
        automountServiceAccountToken: false,
        initContainers: [{ name: "init", image: "busybox" }],
        containers: [
          { name: "main", image: "busybox", env: [{ name: "AZURE_AUTHORITY_HOST", value: "mine" }] },
        ],
      },
    });

  it("serves on 127.0.0.1 at the real webhook's path", () => {
    expect(webhook?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mutate-v1-pod$/);
  });

  it("a labelled Pod comes back from the API with the env, the mount and the projected token volume", async () => {
    const res = await createPod("labelled", { labelled: true, serviceAccountName: "app" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // Read it back: what is stored is what a kubelet would run.
    const pod = await admin.json<Pod>("GET", `/api/v1/namespaces/${namespace}/pods/labelled`);
    const env = Object.fromEntries((pod.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      AZURE_AUTHORITY_HOST: "mine", // the container's own value is kept
      AZURE_CLIENT_ID: clientId,
      AZURE_TENANT_ID: "webhook-tenant",
      AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
    });
    const initEnv = Object.fromEntries(
      (pod.spec.initContainers?.[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
    expect(initEnv.AZURE_AUTHORITY_HOST).toBe(authorityHost);
    expect(pod.spec.containers[0]?.volumeMounts).toContainEqual({
      name: "azure-identity-token",
      mountPath: "/var/run/secrets/azure/tokens",
      readOnly: true,
    });
    const volume = pod.spec.volumes?.find((v) => v.name === "azure-identity-token");
    expect(volume?.projected).toMatchObject({
      sources: [
        {
          serviceAccountToken: {
            path: "azure-identity-token",
            audience: "api://AzureADTokenExchange",
            expirationSeconds: 3600,
          },
        },
      ],
    });
  });

  it("takes the tenant from the ServiceAccount and leaves AZURE_CLIENT_ID out without a client-id", async () => {
    const res = await createPod("other-tenant", { labelled: true, serviceAccountName: "other-tenant" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const env = Object.fromEntries(
      ((res.body as Pod).spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
    expect(env.AZURE_TENANT_ID).toBe("sa-tenant");
    expect(env).not.toHaveProperty("AZURE_CLIENT_ID");
  });

  it("leaves a Pod without the label untouched", async () => {
    const res = await createPod("unlabelled", { labelled: false, serviceAccountName: "app" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const pod = res.body as Pod;
    expect(pod.spec.containers[0]?.env).toEqual([{ name: "AZURE_AUTHORITY_HOST", value: "mine" }]);
    expect(pod.spec.initContainers?.[0]?.env).toBeUndefined();
    expect(pod.spec.volumes ?? []).toEqual([]);
  });

  it("a labelled Pod whose ServiceAccount does not exist is refused and not stored", async () => {
    // With ServiceAccount admission on (as on AKS) the API server refuses it before any webhook is called;
    // the webhook's own refusal, for an account gone between the two, is in review-pod.test.ts.
    const res = await createPod("ghost", { labelled: true, serviceAccountName: "ghost" });
    expect(res.status).toBe(403);
    expect((res.body as { message: string }).message).toContain('serviceaccount "ghost" not found');
    const after = await admin.request("GET", `/api/v1/namespaces/${namespace}/pods/ghost`);
    expect(after.status).toBe(404);
  });
});
