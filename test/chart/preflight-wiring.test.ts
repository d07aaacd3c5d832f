import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { chartDir, helms, runHelm } from "../helpers/helm.ts";

const workloadIdentityValues = join(chartDir, "ci", "workload-identity-values.yaml");

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
}
interface Container {
  name: string;
  image: string;
  env: { name: string; value: string }[];
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName: string;
    restartPolicy?: string;
    automountServiceAccountToken?: boolean;
    securityContext: Record<string, unknown>;
    initContainers?: Container[];
    containers: Container[];
  };
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};
const restrictedPod = {
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
};

describe.each(helms)("preflight wiring rendered by $name (Helm $major)", ({ name }) => {
  async function render(...set: string[]): Promise<Manifest[]> {
    return renderRelease("tds", ...set);
  }
  async function renderRelease(release: string, ...set: string[]): Promise<Manifest[]> {
    const args = ["template", release, chartDir, "--namespace", "trust", "-f", workloadIdentityValues];
    for (const value of set) args.push("--set", value);
    const { stdout } = await runHelm(name, args);
    return parseAllDocuments(String(stdout))
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null);
  }
  const find = (docs: Manifest[], kind: string, nameSuffix = "") =>
    docs.find((doc) => doc.kind === kind && doc.metadata.name.endsWith(nameSuffix));
  const podTemplate = (doc: Manifest | undefined) => {
    if (doc === undefined) throw new Error("the manifest was not rendered");
    return (doc.spec as { template: PodTemplate }).template;
  };
  const env = (container: Container | undefined) =>
    Object.fromEntries((container?.env ?? []).map((entry) => [entry.name, entry.value]));

  it("puts keywrap-preflight first in the Trust Domain Server pod, with the chart's key settings", async () => {
    const docs = await render();
    const pod = podTemplate(find(docs, "Deployment"));
    expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    expect(pod.spec.securityContext).toMatchObject(restrictedPod);
    const [init] = pod.spec.initContainers ?? [];
    expect(init?.name).toBe("keywrap-preflight");
    expect(init?.image).toBe("ghcr.io/spirl/spirl-keywrap:0.1.0");
    expect(env(init)).toEqual({
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: "https://my-managed-hsm.managedhsm.azure.net",
      SPIRL_KEYWRAP_AZURE_KEY_NAME: "defakto-wrapping-key",
      SPIRL_KEYWRAP_AZURE_KEY_VERSION: "0123456789abcdef0123456789abcdef",
      SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "60s",
      SPIRL_KEYWRAP_LOG_FORMAT: "text",
    });
    expect(init?.securityContext).toEqual(restrictedContainer);
    expect(init?.resources).toEqual({
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { memory: "128Mi" },
    });
  });

  it("runs the same check as a pre-install,pre-upgrade hook Job after its own ServiceAccount", async () => {
    const docs = await render();
    const job = find(docs, "Job");
    const hookAccount = find(docs, "ServiceAccount", "-preflight");
    expect(job?.metadata.annotations).toEqual({
      "helm.sh/hook": "pre-install,pre-upgrade",
      "helm.sh/hook-weight": "0",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      // Helm >= 3.18 and 4 print the failed hook Pod's logs; the preflight is its main container.
      "helm.sh/hook-output-log-policy": "hook-failed",
    });
    // Below helm's default --timeout (5m), so a stuck hook ends as the Job's own failure.
    expect(job?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 240 });
    expect(hookAccount?.metadata.annotations).toEqual({
      "helm.sh/hook": "pre-install,pre-upgrade",
      "helm.sh/hook-weight": "-10",
      // Deleted with the Job.
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000",
      // serviceAccount.annotations of ci/workload-identity-values.yaml
      "example.com/owner": "platform",
    });
    const pod = podTemplate(job);
    expect(pod.spec).toMatchObject({
      restartPolicy: "Never",
      serviceAccountName: hookAccount?.metadata.name,
      automountServiceAccountToken: false,
    });
    expect(pod.metadata.labels).toMatchObject({
      "azure.workload.identity/use": "true",
      "app.kubernetes.io/component": "keywrap-preflight",
    });
    expect(pod.spec.securityContext).toMatchObject(restrictedPod);
    // The hook's main container is the same container as the init container.
    const init = podTemplate(find(docs, "Deployment")).spec.initContainers?.[0];
    expect(pod.spec.containers).toEqual([init]);
  });

  it("gives the hook's ServiceAccount the user's serviceAccount.annotations, never over its hook annotations", async () => {
    const docs = await render(
      "serviceAccount.annotations.azure\\.workload\\.identity/tenant-id=tenant-a",
      "serviceAccount.annotations.example\\.com/team=keys",
      "serviceAccount.annotations.helm\\.sh/hook-delete-policy=hook-failed",
      "serviceAccount.annotations.helm\\.sh/hook=post-install",
      "serviceAccount.annotations.azure\\.workload\\.identity/client-id=ffffffff-0000-0000-0000-000000000000",
    );
    const hookAccount = find(docs, "ServiceAccount", "-preflight");
    expect(hookAccount?.metadata.annotations).toEqual({
      "azure.workload.identity/tenant-id": "tenant-a",
      "example.com/team": "keys",
      "example.com/owner": "platform",
      // serviceAccount.workloadIdentity.clientId wins, as on the release's own ServiceAccount.
      "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000",
      "helm.sh/hook": "pre-install,pre-upgrade",
      "helm.sh/hook-weight": "-10",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    const releaseAccount = docs.find((doc) => doc.kind === "ServiceAccount" && doc !== hookAccount);
    expect(releaseAccount?.metadata.annotations).toMatchObject({
      "azure.workload.identity/tenant-id": "tenant-a",
      "example.com/team": "keys",
    });
  });

  it("gives the hook's ServiceAccount only its hook annotations without a client id or user annotations", async () => {
    const docs = await render("serviceAccount.workloadIdentity.clientId=", "serviceAccount.annotations=null");
    expect(find(docs, "ServiceAccount", "-preflight")?.metadata.annotations).toEqual({
      "helm.sh/hook": "pre-install,pre-upgrade",
      "helm.sh/hook-weight": "-10",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
  });

  it("refuses a hook deadline that does not exceed preflight.timeout, naming both values", async () => {
    const refused = await runHelm(
      name,
      ["template", "tds", chartDir, "-f", workloadIdentityValues, "--set", "preflight.timeout=240s"],
      { reject: false },
    );
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr)).toContain(
      "preflight.hook.activeDeadlineSeconds: must be more than preflight.timeout (240s); expected an integer from 30 to 3600, more than the seconds of preflight.timeout; got 240",
    );
    const docs = await render("preflight.timeout=239s");
    expect(find(docs, "Job")?.spec).toMatchObject({ activeDeadlineSeconds: 240 });
  });

  it("judges the hook deadline only while the hook is enabled: no Job, nothing to constrain", async () => {
    const docs = await render("preflight.hook.enabled=false", "preflight.timeout=600s");
    expect(find(docs, "Job")).toBeUndefined();
    expect(find(docs, "Deployment")).toBeDefined();
  });

  it("uses the existing ServiceAccount for the hook when the chart does not create one", async () => {
    const docs = await render("serviceAccount.create=false", "serviceAccount.name=my-tds");
    expect(docs.filter((doc) => doc.kind === "ServiceAccount")).toEqual([]);
    expect(podTemplate(find(docs, "Job")).spec.serviceAccountName).toBe("my-tds");
  });

  // Helm allows release names up to 53 characters; the chart appends "-spirl-system" (63 in all), then
  // "-preflight" for the hook. A plain trunc 63 once cut the suffix off and named both accounts alike.
  it.each([
    ["a", ""],
    ["r".repeat(40), ""],
    ...[49, 50, 51, 52, 53].map((length) => ["r".repeat(length), ""]),
    [`${"r".repeat(40)}-spirl-system`, ""],
    [`${"r".repeat(40)}.${"s".repeat(12)}`, ""],
    ["tds", "serviceAccount.name=s"],
    ["tds", `serviceAccount.name=${"s".repeat(53)}`],
    ["tds", `serviceAccount.name=${"s".repeat(43)}-preflight`],
    ["tds", `serviceAccount.name=${"s".repeat(30)}.${"t".repeat(22)}`],
  ])("keeps the hook's ServiceAccount and Job distinct and valid for release %s %s", async (release, set) => {
    const docs = await renderRelease(release, "serviceAccount.name=", ...(set === "" ? [] : [set]));
    const accounts = docs.filter((doc) => doc.kind === "ServiceAccount").map((doc) => doc.metadata.name);
    expect(accounts).toHaveLength(2);
    expect(new Set(accounts).size).toBe(2);
    const serverAccount = podTemplate(find(docs, "Deployment")).spec.serviceAccountName;
    const hookAccount = podTemplate(find(docs, "Job")).spec.serviceAccountName;
    expect(hookAccount).not.toBe(serverAccount);
    expect(accounts.sort()).toEqual([serverAccount, hookAccount].sort());
    for (const doc of docs) {
      expect(doc.metadata.name.length, doc.metadata.name).toBeLessThanOrEqual(63);
      expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    }
    expect(hookAccount).toMatch(/-preflight$/);
    expect(find(docs, "Job")?.metadata.name).toMatch(/-preflight$/);
  });

  it("runs as the namespace's default ServiceAccount when the chart creates none and names none", async () => {
    const docs = await render("serviceAccount.create=false", "serviceAccount.name=");
    expect(docs.filter((doc) => doc.kind === "ServiceAccount")).toEqual([]);
    expect(podTemplate(find(docs, "Deployment")).spec.serviceAccountName).toBe("default");
    expect(podTemplate(find(docs, "Job")).spec.serviceAccountName).toBe("default");
  });

  it("mounts the API token in the server container only", async () => {
    const pod = podTemplate(find(await render(), "Deployment")) as PodTemplate & {
      spec: {
        volumes: { name: string; projected?: { sources: Record<string, unknown>[] } }[];
        containers: (Container & {
          volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
        })[];
        initContainers: (Container & { volumeMounts?: unknown[] })[];
      };
    };
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.initContainers[0]?.volumeMounts).toBeUndefined();
    const [server] = pod.spec.containers;
    expect(server?.name).toBe("trust-domain-server");
    expect(server?.volumeMounts).toEqual([
      { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ]);
    const volume = pod.spec.volumes.find((candidate) => candidate.name === "kube-api-access");
    expect(volume?.projected?.sources).toEqual([
      { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
    ]);
  });

  it("leaves out the init container and the hook when they are disabled", async () => {
    const docs = await render("preflight.initContainer.enabled=false", "preflight.hook.enabled=false");
    expect(podTemplate(find(docs, "Deployment")).spec.initContainers).toBeUndefined();
    expect(find(docs, "Job")).toBeUndefined();
    expect(find(docs, "ServiceAccount", "-preflight")).toBeUndefined();
  });

  it("passes the preflight settings through", async () => {
    const docs = await render(
      "preflight.timeout=90s",
      "preflight.logFormat=json",
      "preflight.hook.activeDeadlineSeconds=120",
    );
    const job = find(docs, "Job");
    expect(job?.spec).toMatchObject({ activeDeadlineSeconds: 120 });
    expect(env(podTemplate(job).spec.containers[0])).toMatchObject({
      SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "90s",
      SPIRL_KEYWRAP_LOG_FORMAT: "json",
    });
  });
});
