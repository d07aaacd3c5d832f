// `npm run demo`: the project's main job on its embedded defaults, as a user would see it on AKS, here on a
// local cluster that runs Pods and the local Managed HSM + Entra ID emulator:
//   1. validate the documented example values with the chart's values model;
//   2. build the image's bundles, start the local cluster (etcd, kube-apiserver, controllers, scheduler, a
//      node running Pods as processes, the Azure Workload Identity webhook) and the emulator, whose Entra ID
//      trusts the cluster's service-account issuer;
//   3. create the HSM key, grant the identity on it and federate the chart's ServiceAccounts (the `az`
//      commands of the product doc);
//   4. `helm install` (Helm 4, its own output): the hook Job runs the preflight, the Deployment's Pod runs
//      the init container then the server, whose start line is shown;
//   5. a workload Pod gets a JWT-SVID with its projected token and verifies it against the bundle;
//   6. rotate the HSM key, `helm upgrade` pinning the new version: the keys are rewrapped;
//   7. `helm install` with a key the identity has no role on fails, with the preflight's fix line;
//   8. stop everything; the logs stay in a folder it names.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { type LocalCluster, runSvidClientPod, startLocalCluster } from "../src/local-cluster/index.ts";
import { buildPreflight, buildServer } from "./build-preflight.ts";

const root = new URL("../", import.meta.url).pathname;
const cli = `${root}src/cli/main.ts`;
const chart = `${root}charts/spirl-system`;
const hsmUrl = "https://localhsm.managedhsm.azure.net/";
const keyName = "defakto-wrapping-key";
const namespace = "spirl-system";
const step = (text: string) => console.log(`\n== ${text}`);
const indent = (text: string) => text.replace(/^/gm, "   ");

step("spirl-keywrap validate -f charts/spirl-system/ci/example-values.yaml");
const validate = await execa(process.execPath, [cli, "validate", "-f", `${chart}/ci/example-values.yaml`], {
  reject: false,
});
console.log(validate.exitCode === 0 ? "values are valid" : `${validate.stdout}${validate.stderr}`);
const bad = await execa(
  process.execPath,
  [
    cli,
    "validate",
    "-f",
    `${chart}/ci/example-values.yaml`,
    "--set",
    "azure.keyVault.url=https://my-vault.vault.azure.net/",
  ],
  { reject: false },
);
console.log(`with a standard vault URL (exit ${bad.exitCode}):\n${bad.stdout}`);

step("build the image's bundles (dist/preflight.mjs, dist/server.mjs) and start the local cluster");
await Promise.all([buildPreflight(`${root}dist/preflight.mjs`), buildServer(`${root}dist/server.mjs`)]);
const started = Date.now();
const cluster = await startLocalCluster({ bundleDir: `${root}dist` });
// Ctrl-C must not leave the cluster's processes, network namespaces and bridge behind. A second signal (npx
// forwards the one it got too) must not cut that clean-up short, so the handler stays.
let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping the local cluster and the emulator`);
  void cluster.stop().finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
const logs = await mkdtemp(join(tmpdir(), "spirl-keywrap-demo-logs-"));
const helmHome = await mkdtemp(join(tmpdir(), "spirl-keywrap-demo-helm-"));
let failed = false;
try {
  console.log(`API server ${cluster.server}, node ${cluster.nodeName}, Pod network ${cluster.network.cidr}`);
  console.log(
    `emulator: HSM ${hsmUrl}, Entra ID trusting issuer ${cluster.server} (ready in ${Date.now() - started} ms)`,
  );
  await runDemo(cluster);
} catch (error) {
  failed = true;
  console.error(`\ndemo failed: ${(error as Error).message}`);
} finally {
  step("clean up");
  await cp(cluster.logDir, logs, { recursive: true }).catch(() => undefined);
  await cluster.stop();
  await rm(helmHome, { recursive: true, force: true });
  console.log(`stopped the cluster and the emulator; logs (control plane, every container) are in ${logs}`);
}
if (failed) process.exit(1);

async function runDemo(cluster: LocalCluster) {
  const helm = (args: string[]) =>
    execa(`${root}.tools/bin/helm`, args, {
      reject: false,
      all: true,
      env: {
        KUBECONFIG: cluster.kubeconfig,
        HELM_CONFIG_HOME: join(helmHome, "config"),
        HELM_CACHE_HOME: join(helmHome, "cache"),
        HELM_DATA_HOME: join(helmHome, "data"),
      },
    });
  const kubectl = (args: string[]) =>
    execa(`${root}.tools/bin/kubectl`, args, {
      reject: false,
      all: true,
      env: { KUBECONFIG: cluster.kubeconfig },
    });
  const values = (key: string, extra: string[] = []) => [
    "--set",
    `azure.keyVault.url=${hsmUrl}`,
    "--set",
    `azure.keyVault.keyName=${key}`,
    "--set",
    "trustDomainServer.trustDomain=example.org",
    "--set",
    `serviceAccount.workloadIdentity.clientId=${cluster.emulator.env.AZURE_CLIENT_ID}`,
    ...extra,
  ];

  step(
    `az keyvault key create --hsm-name localhsm --name ${keyName} --kty oct-HSM --size 256; role; federated credentials`,
  );
  await cluster.createGrantedKey(keyName);
  await cluster.federateServiceAccount(namespace, "spirl-system");
  await cluster.federateServiceAccount(namespace, "spirl-system-preflight");
  console.log(
    `key ${keyName}; Managed HSM Crypto User on /keys/${keyName}; ServiceAccounts spirl-system and spirl-system-preflight federated`,
  );

  step("helm install spirl-system charts/spirl-system -n spirl-system --create-namespace --wait");
  const install = await helm([
    "install",
    "spirl-system",
    chart,
    "-n",
    namespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    "4m",
    ...values(keyName),
  ]);
  console.log(indent(install.all));
  if (install.exitCode !== 0) throw new Error(`helm install failed (exit ${install.exitCode})`);

  step("kubectl get pods; the init container's and the server's first lines");
  console.log(indent((await kubectl(["get", "pods", "-n", namespace, "-o", "wide"])).all));
  const serverPod = await firstReadyServerPod(cluster);
  const initLog = await kubectl(["logs", "-n", namespace, serverPod.name, "-c", "keywrap-preflight"]);
  console.log(indent(initLog.all.split("\n").slice(0, 2).join("\n")));
  const serverLog = await kubectl(["logs", "-n", namespace, serverPod.name, "-c", "trust-domain-server"]);
  console.log(
    indent(
      serverLog.all
        .split("\n")
        .filter((line) => line.includes("Key wrapping via"))
        .join("\n"),
    ),
  );

  step("a workload Pod asks for a JWT-SVID with its projected token and verifies it against the bundle");
  const svid = await runSvidClientPod(cluster.admin, {
    namespace,
    serverUrl: `https://${serverPod.ip}:8443`,
  });
  console.log(indent(JSON.stringify(svid)));

  step("kubectl get signingkeys (each wrapped by the HSM key's current version)");
  console.log(indent((await kubectl(["get", "signingkeys", "-n", namespace])).all));

  step(`az keyvault key rotate --hsm-name localhsm --name ${keyName}; helm upgrade pinning the new version`);
  const rotated = (await cluster.emulator.admin("POST", `/hsms/localhsm/keys/${keyName}`)).json as {
    key: { kid: string };
  };
  const version = rotated.key.kid.split("/").at(-1) ?? "";
  console.log(`new key version ${version}`);
  const upgrade = await helm([
    "upgrade",
    "spirl-system",
    chart,
    "-n",
    namespace,
    "--wait",
    "--timeout",
    "4m",
    ...values(keyName, ["--set", `azure.keyVault.keyVersion=${version}`]),
  ]);
  console.log(indent(upgrade.all));
  if (upgrade.exitCode !== 0) throw new Error(`helm upgrade failed (exit ${upgrade.exitCode})`);
  const deadline = Date.now() + 120_000;
  let table = "";
  while (Date.now() < deadline) {
    table = (await kubectl(["get", "signingkeys", "-n", namespace])).all;
    const rows = table
      .split("\n")
      .slice(1)
      .filter((row) => row.trim() !== "");
    if (rows.length > 0 && rows.every((row) => row.includes(version))) break;
    await sleep(1000);
  }
  console.log(indent(table));

  step("helm install with a key the identity has no role on (a common misconfiguration)");
  const otherNamespace = "spirl-system-misconfigured";
  await cluster.emulator.admin("POST", "/hsms/localhsm/keys/ungranted-key");
  await cluster.federateServiceAccount(otherNamespace, "spirl-system");
  await cluster.federateServiceAccount(otherNamespace, "spirl-system-preflight");
  const refused = await helm([
    "install",
    "spirl-system",
    chart,
    "-n",
    otherNamespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    "4m",
    ...values("ungranted-key"),
  ]);
  console.log(indent(refused.all));
  console.log(`(helm exit ${refused.exitCode})`);
  if (refused.exitCode === 0) throw new Error("the misconfigured install succeeded");
  // Helm 4 prints the hook's log as one structured line; the failed Job keeps it for `kubectl logs`.
  step(`kubectl logs -n ${otherNamespace} job/spirl-system-preflight`);
  console.log(indent((await kubectl(["logs", "-n", otherNamespace, "job/spirl-system-preflight"])).all));
}

async function firstReadyServerPod(cluster: LocalCluster): Promise<{ name: string; ip: string }> {
  const pods = await cluster.admin.json<{
    items: {
      metadata: { name: string };
      status: { podIP?: string; conditions?: { type: string; status: string }[] };
    }[];
  }>(
    "GET",
    `/api/v1/namespaces/${namespace}/pods?labelSelector=app.kubernetes.io/component%3Dtrust-domain-server`,
  );
  const ready = pods.items.find((pod) =>
    pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  if (ready === undefined) throw new Error("no ready server Pod");
  return { name: ready.metadata.name, ip: ready.status.podIP ?? "" };
}
