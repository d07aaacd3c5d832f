// A misconfigured `helm install` fails at the stage that should catch it, with that stage's message in
// Helm's own output: the schema for a standard-vault URL, the hook Job (the preflight's classified line,
// streamed by hook-output-log-policy) for a missing role, a disabled key or a missing key.
import { describe, expect, it } from "vitest";
import { helms } from "../helpers/helm.ts";
import {
  admin,
  createKey,
  emulatorAdmin,
  federateRelease,
  grantKey,
  helmRelease,
  kubectl,
  releaseValues,
  uniqueName,
} from "../helpers/pod-cluster.ts";

describe.each(helms)("helm install with $name refuses", ({ name: helm, major }) => {
  /** Installs release `tds` with key `keyName` (and `--set` extras); returns Helm's result. */
  async function install(namespace: string, keyName: string, extra: Record<string, string> = {}) {
    await federateRelease(namespace, "tds");
    return helmRelease(helm, "install", "tds", namespace, [
      ...releaseValues(keyName, extra),
      "--wait",
      "--timeout",
      "4m",
    ]);
  }

  /** After a failed pre-install hook: no Deployment, no Service; the failed Job and its Pod stay. */
  async function expectOnlyHookLeftovers(namespace: string) {
    const client = await admin();
    const deployments = await client.json<{ items: unknown[] }>(
      "GET",
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
    );
    expect(deployments.items).toEqual([]);
    const services = await client.json<{ items: unknown[] }>(
      "GET",
      `/api/v1/namespaces/${namespace}/services`,
    );
    expect(services.items).toEqual([]);
    const jobs = await client.json<{ items: { metadata: { name: string } }[] }>(
      "GET",
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
    );
    expect(jobs.items.map((job) => job.metadata.name)).toEqual(["tds-spirl-system-preflight"]);
    // No ServiceAccount of the release (its own was never made; Helm deletes the hook's with the hooks
    // that succeeded before the failed one), no Role or RoleBinding.
    const names = async (path: string) =>
      (await client.json<{ items: { metadata: { name: string } }[] }>("GET", path)).items.map(
        (item) => item.metadata.name,
      );
    expect(await names(`/api/v1/namespaces/${namespace}/serviceaccounts`)).toEqual(["default"]);
    expect(await names(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`)).toEqual([]);
    expect(await names(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`)).toEqual(
      [],
    );
  }

  it("an identity without the Crypto User role: the hook fails with HSM_FORBIDDEN and the fix", async () => {
    const namespace = uniqueName(`forbidden-h${major}`);
    const keyName = uniqueName("kek");
    await createKey(keyName, { grant: false });
    const result = await install(namespace, keyName);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.exitCode, output).not.toBe(0);
    expect(output).toContain("HSM_FORBIDDEN");
    expect(output).toContain("az keyvault role assignment create");
    await expectOnlyHookLeftovers(namespace);
    // The failed hook's log is still there for `kubectl logs`.
    const logs = await kubectl(["logs", "-n", namespace, "job/tds-spirl-system-preflight"]);
    expect(logs.stdout).toContain("HSM_FORBIDDEN");
  });

  it("a disabled key: the hook fails with KEY_DISABLED", async () => {
    const namespace = uniqueName(`disabled-h${major}`);
    const keyName = uniqueName("kek");
    await createKey(keyName);
    await emulatorAdmin("PATCH", `/hsms/localhsm/keys/${keyName}`, { enabled: false });
    const result = await install(namespace, keyName);
    expect(result.exitCode).not.toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toContain("KEY_DISABLED");
    await expectOnlyHookLeftovers(namespace);
  });

  it("a missing key: the hook fails with KEY_NOT_FOUND", async () => {
    const namespace = uniqueName(`missing-h${major}`);
    // Granted, so the HSM answers 404 rather than 403: the key itself is what is missing.
    const keyName = uniqueName("absent");
    await grantKey(keyName);
    const result = await install(namespace, keyName);
    expect(result.exitCode).not.toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toContain("KEY_NOT_FOUND");
    await expectOnlyHookLeftovers(namespace);
  });

  it("a standard Key Vault URL: the schema refuses it before anything reaches the cluster", async () => {
    const namespace = uniqueName(`vault-h${major}`);
    const result = await install(namespace, "kek", {
      "azure.keyVault.url": "https://myvault.vault.azure.net/",
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("/azure/keyVault/url");
    expect(result.stderr).toContain("managedhsm");
    const client = await admin();
    const jobs = await client.request("GET", `/apis/batch/v1/namespaces/${namespace}/jobs`);
    expect((jobs.body as { items?: unknown[] }).items ?? []).toEqual([]);
  });
});
