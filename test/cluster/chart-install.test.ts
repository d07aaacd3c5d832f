import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { chartDir, helms, runHelm } from "../helpers/helm.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { createRestrictedNamespace } from "../helpers/restricted-namespace.ts";

const cluster = inject("cluster");
const exampleValues = join(chartDir, "ci", "example-values.yaml");

interface Deployment {
  metadata: { name: string; labels: Record<string, string> };
  spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
}

describe.each(helms)("chart installs on a real API server with $name (Helm $major)", ({ name, major }) => {
  it("creates the Deployment and ServiceAccount with the key vault values, admitted by restricted Pod Security", async () => {
    const { admin } = await connectCluster(cluster);
    const namespace = await createRestrictedNamespace(admin, `smoke-h${major}`);

    const version = await runHelm(name, ["version", "--short"]);
    expect(version.stdout).toMatch(new RegExp(`^v${major}\\.`));

    const release = "tds";
    const clientId = "00000000-0000-0000-0000-000000000000";
    const values = ["-f", exampleValues, "--set", `serviceAccount.workloadIdentity.clientId=${clientId}`];
    const install = await runHelm(
      name,
      ["install", release, chartDir, "--namespace", namespace, "--no-hooks", ...values],
      { kubeconfig: cluster.kubeconfig },
    );
    // Pod Security only warns for Deployments; a warning here means the pod template is not restricted.
    expect(install.stderr).not.toMatch(/violate PodSecurity/);
    // NOTES name every subject that needs a federated credential, the hook's own ServiceAccount included.
    expect(String(install.stdout)).toContain(`system:serviceaccount:${namespace}:tds-spirl-system\n`);
    expect(String(install.stdout)).toContain(
      `system:serviceaccount:${namespace}:tds-spirl-system-preflight   (the preflight hook)`,
    );

    const statusRun = await runHelm(name, ["status", release, "-n", namespace, "-o", "yaml"], {
      kubeconfig: cluster.kubeconfig,
    });
    const status = parse(String(statusRun.stdout));
    expect(status.info.status).toBe("deployed");

    const deployment = await admin.json<Deployment>(
      "GET",
      `/apis/apps/v1/namespaces/${namespace}/deployments/tds-spirl-system`,
    );
    expect(deployment.metadata.labels).toMatchObject({
      "app.kubernetes.io/name": "spirl-system",
      "app.kubernetes.io/instance": release,
      "app.kubernetes.io/managed-by": "Helm",
    });
    const podSpec = deployment.spec.template.spec as {
      serviceAccountName: string;
      containers: { env: { name: string; value: string }[] }[];
    };
    expect(podSpec.containers[0]?.env.slice(0, 2)).toEqual([
      { name: "SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL", value: "https://my-managed-hsm.managedhsm.azure.net/" },
      { name: "SPIRL_KEYWRAP_AZURE_KEY_NAME", value: "defakto-wrapping-key" },
    ]);
    const sa = await admin.json<{ metadata: { name: string; annotations: Record<string, string> } }>(
      "GET",
      `/api/v1/namespaces/${namespace}/serviceaccounts/${podSpec.serviceAccountName}`,
    );
    expect(sa.metadata.name).toBe("tds-spirl-system");
    // Azure Workload Identity: the webhook reads the client id on the SA and only mutates labelled pods.
    expect(sa.metadata.annotations).toMatchObject({ "azure.workload.identity/client-id": clientId });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ "azure.workload.identity/use": "true" });

    // Bad values stop an upgrade on the schema, and on the template checks when the schema is skipped.
    const vault = ["--set", "azure.keyVault.url=https://my-vault.vault.azure.net/"];
    const upgrade = ["upgrade", release, chartDir, "-n", namespace, "--no-hooks", ...values, ...vault];
    const schemaRefusal = await runHelm(name, upgrade, { kubeconfig: cluster.kubeconfig, reject: false });
    expect(schemaRefusal.exitCode).toBe(1);
    expect(String(schemaRefusal.stderr)).toMatch(/values don't meet the specifications of the schema/);
    const templateRefusal = await runHelm(name, [...upgrade, "--skip-schema-validation"], {
      kubeconfig: cluster.kubeconfig,
      reject: false,
    });
    expect(templateRefusal.exitCode).toBe(1);
    expect(String(templateRefusal.stderr)).toContain(
      "azure.keyVault.url: is a standard Key Vault URL; only Managed HSM is supported for key wrapping;",
    );
    const badInstall = await runHelm(
      name,
      ["install", "bad", chartDir, "-n", namespace, "--no-hooks", "--set", "azure.keyVault.keyVerison=1"],
      { kubeconfig: cluster.kubeconfig, reject: false },
    );
    expect(badInstall.exitCode).toBe(1);
    expect(String(badInstall.stderr)).toMatch(/keyVerison/);
    const history = await runHelm(name, ["history", release, "-n", namespace, "-o", "json"], {
      kubeconfig: cluster.kubeconfig,
    });
    expect(JSON.parse(String(history.stdout))).toHaveLength(1);

    // No kubelet runs pods here, so admit the template as a Pod (server dry run): PSA enforces on Pods.
    const dryRunPod = (spec: unknown) =>
      admin.request("POST", `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "template-check", labels: deployment.spec.template.metadata.labels },
        spec,
      });
    const admitted = await dryRunPod(podSpec);
    expect(admitted.status, JSON.stringify(admitted.body)).toBe(201);
    // The API token reaches the server container through the chart's own projected volume, not automount.
    const admittedSpec = (admitted.body as { spec: Record<string, unknown> }).spec as {
      automountServiceAccountToken?: boolean;
      containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
    };
    expect(admittedSpec.automountServiceAccountToken).toBe(false);
    expect(admittedSpec.containers[0]?.volumeMounts).toEqual([
      expect.objectContaining({
        name: "kube-api-access",
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      }),
    ]);
    // The pre-install/pre-upgrade hook is recorded with the release even under --no-hooks; admit its pod too.
    const hooks = await runHelm(name, ["get", "hooks", release, "-n", namespace], {
      kubeconfig: cluster.kubeconfig,
    });
    const job = parseAllDocuments(String(hooks.stdout))
      .map((doc) => doc.toJS() as { kind?: string; spec?: { template: { spec: unknown } } } | null)
      .find((doc) => doc?.kind === "Job");
    expect(job, "the preflight hook Job").toBeDefined();
    // Its ServiceAccount is a hook too (skipped here); ServiceAccount admission needs it to exist.
    const hookServiceAccount = (job?.spec?.template.spec as { serviceAccountName?: string } | undefined)
      ?.serviceAccountName;
    await admin.json("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
      metadata: { name: hookServiceAccount },
    });
    const hookAdmitted = await dryRunPod(job?.spec?.template.spec);
    expect(hookAdmitted.status, JSON.stringify(hookAdmitted.body)).toBe(201);
    // The same check must be able to fail: a pod that runs as root is refused in this namespace.
    const refused = await dryRunPod({ containers: [{ name: "root", image: "busybox" }] });
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toMatch(/violates PodSecurity "restricted:latest"/);

    await runHelm(name, ["uninstall", release, "-n", namespace], { kubeconfig: cluster.kubeconfig });
    const gone = await admin.request(
      "GET",
      `/apis/apps/v1/namespaces/${namespace}/deployments/tds-spirl-system`,
    );
    expect(gone.status).toBe(404);
  });
});

describe.each(helms)("switching the key-wrapping key with $name (Helm $major)", ({ name, major }) => {
  it("is refused on upgrade with the reason, while a new version of the same key is accepted", async () => {
    const { admin } = await connectCluster(cluster);
    const namespace = `switch-h${major}-${randomBytes(3).toString("hex")}`;
    await admin.json("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
    const helm = (args: string[]) => runHelm(name, args, { kubeconfig: cluster.kubeconfig, reject: false });
    const base = [chartDir, "-n", namespace, "--no-hooks", "-f", exampleValues];
    expect((await helm(["install", "tds", ...base])).exitCode).toBe(0);

    const otherKey = await helm(["upgrade", "tds", ...base, "--set", "azure.keyVault.keyName=another-key"]);
    expect(otherKey.exitCode).toBe(1);
    expect(String(otherKey.stderr)).toContain(
      'azure.keyVault.keyName: switching the key-wrapping key on an existing deployment is not supported; the stored signing keys are wrapped by the current key and cannot be unwrapped with another (to rotate, add a version to the same key in the HSM); expected "defakto-wrapping-key"; got "another-key"; keep the current value, or contact Defakto support to migrate',
    );
    const otherHsm = await helm([
      "upgrade",
      "tds",
      ...base,
      "--set",
      "azure.keyVault.url=https://other-hsm.managedhsm.azure.net/",
    ]);
    expect(otherHsm.exitCode).toBe(1);
    expect(String(otherHsm.stderr)).toContain(
      "azure.keyVault.url: switching the key-wrapping HSM on an existing deployment is not supported;",
    );

    // Pinning a version of the same key (and dropping the trailing slash) is not a switch.
    const pinned = await helm([
      "upgrade",
      "tds",
      ...base,
      "--set",
      "azure.keyVault.keyVersion=a1b2c3d4e5f6",
      "--set",
      "azure.keyVault.url=https://my-managed-hsm.managedhsm.azure.net",
    ]);
    expect(pinned.exitCode, String(pinned.stderr)).toBe(0);
    const history = await helm(["history", "tds", "-n", namespace, "-o", "json"]);
    expect(JSON.parse(String(history.stdout)).map((entry: { status: string }) => entry.status)).toEqual([
      "superseded",
      "deployed",
    ]);
  });
});

describe.each(helms)("a 53-character release name with $name (Helm $major)", ({ name, major }) => {
  it("gives the hook its own ServiceAccount, distinct from the release's, and both are accepted", async () => {
    const { admin } = await connectCluster(cluster);
    const namespace = `long-h${major}-${randomBytes(3).toString("hex")}`;
    await admin.json("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
    const release = `r${"x".repeat(51)}${major}`;
    expect(release).toHaveLength(53);
    await runHelm(name, ["install", release, chartDir, "-n", namespace, "--no-hooks", "-f", exampleValues], {
      kubeconfig: cluster.kubeconfig,
    });
    const hooks = await runHelm(name, ["get", "hooks", release, "-n", namespace], {
      kubeconfig: cluster.kubeconfig,
    });
    const hookAccount = parseAllDocuments(String(hooks.stdout))
      .map((doc) => doc.toJS() as { kind?: string; metadata: { name: string } } | null)
      .find((doc) => doc?.kind === "ServiceAccount");
    const accounts = await admin.json<{ items: { metadata: { name: string } }[] }>(
      "GET",
      `/api/v1/namespaces/${namespace}/serviceaccounts`,
    );
    // 53 + "-spirl-system" is cut to 63; the hook keeps all 53 and adds "-preflight" (63 too).
    const releaseAccount = `${release}-spirl-sys`;
    expect(accounts.items.map((item) => item.metadata.name)).toContain(releaseAccount);
    expect(hookAccount?.metadata.name).toBe(`${release}-preflight`);
    expect(hookAccount?.metadata.name).not.toBe(releaseAccount);
    // The API server accepts the hook's ServiceAccount beside the release's (a same-named one would be a conflict).
    const created = await admin.request(
      "POST",
      `/api/v1/namespaces/${namespace}/serviceaccounts?dryRun=All`,
      hookAccount,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await runHelm(name, ["uninstall", release, "-n", namespace], { kubeconfig: cluster.kubeconfig });
  });
});
