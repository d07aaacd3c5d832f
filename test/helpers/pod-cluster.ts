// What the scenario tests ("pods" project) use: the running local cluster (test/helpers/pods-setup.ts), its
// emulator's admin API, helm and kubectl pointed at it, and a deadline-bound wait.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { inject } from "vitest";
import { callAdmin } from "../../src/emulator/admin/admin-client.ts";
import { runSvidClientPod } from "../../src/local-cluster/index.ts";
import { chartDir, type HelmName, runHelm } from "./helm.ts";
import { connectCluster } from "./local-cluster.ts";
import { toolPath } from "./tools.ts";

export const podCluster = () => inject("podCluster");

/** The HSM every scenario uses (the emulator's default) and its URL as a user writes it in values. */
export const hsmUrl = "https://localhsm.managedhsm.azure.net/";
export const trustDomain = "example.org";

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export async function admin() {
  return (await connectCluster(podCluster())).admin;
}

/** Calls the emulator's admin API; throws unless the status is 2xx. */
export async function emulatorAdmin(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await callAdmin(podCluster().emulatorAdmin, method, path, body);
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`emulator ${method} ${path}: HTTP ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json;
}

/** Creates a key on the local HSM; `grant` (default true) gives the identity Crypto User on it. */
export async function createKey(keyName: string, options: { grant?: boolean } = {}): Promise<void> {
  await emulatorAdmin("POST", `/hsms/localhsm/keys/${keyName}`);
  if (options.grant !== false) await grantKey(keyName);
}

/** Gives the identity Managed HSM Crypto User at `/keys/<keyName>` (the key need not exist). */
export async function grantKey(keyName: string): Promise<void> {
  await emulatorAdmin("POST", "/role-assignments", {
    principalId: podCluster().identity.objectId,
    role: "Managed HSM Crypto User",
    scope: `/keys/${keyName}`,
  });
}

/** Lets a ServiceAccount of the cluster act as the local managed identity (a federated credential). */
export async function federate(namespace: string, serviceAccount: string): Promise<void> {
  const { server, identity } = podCluster();
  await emulatorAdmin("POST", `/clients/${identity.clientId}/federated-credentials`, {
    issuer: server,
    subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
  });
}

/** Federates the two ServiceAccounts the chart makes for release `release` (default names). */
export async function federateRelease(namespace: string, release: string): Promise<void> {
  await federate(namespace, `${release}-spirl-system`);
  await federate(namespace, `${release}-spirl-system-preflight`);
}

/** `--set` arguments of a release on the local HSM with key `keyName`. */
export function releaseValues(keyName: string, extra: Record<string, string | number> = {}): string[] {
  const values: Record<string, string | number> = {
    "azure.keyVault.url": hsmUrl,
    "azure.keyVault.keyName": keyName,
    "trustDomainServer.trustDomain": trustDomain,
    "serviceAccount.workloadIdentity.clientId": podCluster().identity.clientId,
    ...extra,
  };
  return Object.entries(values).flatMap(([key, value]) => ["--set", `${key}=${value}`]);
}

/** `helm install|upgrade` of the chart against the local cluster; never throws (tests read the result). */
export function helmRelease(
  helm: HelmName,
  verb: "install" | "upgrade",
  release: string,
  namespace: string,
  args: readonly string[],
) {
  return runHelm(
    helm,
    [
      verb,
      release,
      chartDir,
      "-n",
      namespace,
      ...(verb === "install" ? ["--create-namespace"] : []),
      ...args,
    ],
    { kubeconfig: podCluster().kubeconfig, reject: false },
  );
}

/**
 * A fresh namespace and granted key, both ServiceAccounts federated, then `helm install tds … --wait`:
 * what most scenarios start from. Returns Helm's result; the caller asserts on it.
 */
export async function installFresh(
  helm: HelmName,
  namespacePrefix: string,
  extra: Record<string, string | number> = {},
) {
  const namespace = uniqueName(namespacePrefix);
  const keyName = uniqueName("kek");
  await createKey(keyName);
  await federateRelease(namespace, "tds");
  const install = await helmRelease(helm, "install", "tds", namespace, [
    ...releaseValues(keyName, extra),
    "--wait",
    "--timeout",
    "4m",
  ]);
  return { namespace, keyName, install };
}

/** The server container's log of a Pod (`--previous`: of its last terminated run). */
export async function serverLog(namespace: string, podName: string, options: { previous?: boolean } = {}) {
  const result = await kubectl([
    "logs",
    "-n",
    namespace,
    podName,
    "-c",
    "trust-domain-server",
    ...(options.previous === true ? ["--previous"] : []),
  ]);
  return result.stdout;
}

export function helmUninstall(helm: HelmName, release: string, namespace: string) {
  return runHelm(helm, ["uninstall", release, "-n", namespace, "--wait", "--timeout", "2m"], {
    kubeconfig: podCluster().kubeconfig,
    reject: false,
  });
}

export async function kubectl(args: readonly string[]) {
  return execa(await toolPath("kubectl"), [...args], {
    env: { KUBECONFIG: podCluster().kubeconfig },
    reject: false,
    timeout: 60_000,
  });
}

/** Polls `probe` until it returns a value (not undefined), or throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(500);
  }
  throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`, { cause: lastError });
}

interface PodLike {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: ContainerStatusLike[];
    containerStatuses?: ContainerStatusLike[];
  };
}
export interface ContainerStatusLike {
  name: string;
  ready: boolean;
  restartCount: number;
  state: {
    running?: { startedAt?: string };
    terminated?: { exitCode: number; reason?: string; finishedAt?: string };
    waiting?: { reason?: string };
  };
}

export async function listPods(namespace: string, selector = ""): Promise<PodLike[]> {
  const client = await admin();
  const query = selector === "" ? "" : `?labelSelector=${encodeURIComponent(selector)}`;
  return (await client.json<{ items: PodLike[] }>("GET", `/api/v1/namespaces/${namespace}/pods${query}`))
    .items;
}

export const isReady = (pod: PodLike) =>
  pod.metadata.deletionTimestamp === undefined &&
  pod.status.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") ===
    true;

/** The running, ready server Pods of a release. */
export async function readyServerPods(namespace: string, release: string) {
  const pods = await listPods(
    namespace,
    `app.kubernetes.io/instance=${release},app.kubernetes.io/component=trust-domain-server`,
  );
  return pods.filter(
    (pod) => isReady(pod) && pod.status.containerStatuses?.some((c) => c.name === "trust-domain-server"),
  );
}

export interface SigningKeyLike {
  metadata: { name: string; uid: string };
  spec: { use: string; keyId: string; envelope: { kek: { name: string; version: string } } };
}

export async function signingKeys(namespace: string): Promise<SigningKeyLike[]> {
  const client = await admin();
  return (
    await client.json<{ items: SigningKeyLike[] }>(
      "GET",
      `/apis/keywrap.spirl.dev/v1alpha1/namespaces/${namespace}/signingkeys`,
    )
  ).items;
}

/** Runs the SVID client Pod against the server Pod at `serverIp` (see `runSvidClientPod`). */
export async function fetchSvidFromPod(namespace: string, serverIp: string) {
  return runSvidClientPod(await admin(), { namespace, serverUrl: `https://${serverIp}:8443` });
}
