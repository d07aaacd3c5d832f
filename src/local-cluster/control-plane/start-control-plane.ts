import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ClusterPki, createClusterPki } from "./cluster-pki.ts";
import { freePort } from "./free-port.ts";
import { type KubeClient, kubeClient } from "./kube-client.ts";
import { toolPath } from "./tool-path.ts";

/** Where a running local cluster is; plain data, so vitest can hand it to test workers. */
export interface ClusterInfo {
  /** `https://127.0.0.1:<port>`; also the service-account token issuer. */
  readonly server: string;
  /** A kubeconfig with a `system:masters` client certificate. */
  readonly kubeconfig: string;
  /** PEM file of the cluster CA (pass as NODE_EXTRA_CA_CERTS to trust the issuer). */
  readonly caFile: string;
  /** PEM files of the admin client certificate and key. */
  readonly adminCertFile: string;
  readonly adminKeyFile: string;
  /** Folder with the PKI, logs and etcd data; removed by `stop()`. */
  readonly dir: string;
  /** Every certificate and key of the cluster (the node agent and webhooks use theirs). */
  readonly pki: ClusterPki;
}

/** A running control plane on 127.0.0.1. */
export interface ControlPlane extends ClusterInfo {
  /** A client authenticated as a cluster admin. */
  readonly admin: KubeClient;
  /** A client with no credentials (what an OIDC relying party sees). */
  readonly anonymous: KubeClient;
  /** Stops its processes and removes `dir`. A second call waits for the first. */
  stop(): Promise<void>;
}

/** Options of `startControlPlane`. */
export interface StartControlPlaneOptions {
  /** Give up waiting for /readyz after this long. Default 180 s (two busy cores). */
  readonly readyTimeoutMs?: number;
  /**
   * Also run kube-controller-manager and kube-scheduler (Deployments make Pods, Jobs finish, namespaces get
   * their `default` ServiceAccount and `kube-root-ca.crt`). Default true. Without them the ServiceAccount
   * admission plugin is off, since no `default` ServiceAccount would ever exist.
   */
  readonly controllers?: boolean;
  /** More addresses for the API server's certificate (the pod network's gateway). */
  readonly servingIps?: readonly string[];
}

/**
 * Starts etcd, kube-apiserver and (by default) kube-controller-manager and kube-scheduler with fresh
 * certificates in a temp dir. PodSecurity admission is on. Anonymous clients may read the
 * service-account issuer's OIDC discovery documents, as Entra ID does when it validates a federated token.
 * The API server reaches kubelets at their InternalIP with its own client certificate (for `kubectl logs`).
 */
export async function startControlPlane(options: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
  const controllers = options.controllers ?? true;
  const [etcdBin, apiserverBin] = await Promise.all([toolPath("etcd"), toolPath("kube-apiserver")]);
  const dir = await mkdtemp(join(tmpdir(), "spirl-cluster-"));
  const children: ChildProcess[] = [];
  // One stop for every caller: a second call waits for the first rather than returning early.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off("exit", killNow);
      // Reverse order: the API server first, so it never sees etcd vanish under it.
      for (const child of children.reverse()) await terminate(child);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const killNow = () => {
    for (const child of children) child.kill("SIGKILL");
  };
  process.on("exit", killNow);

  try {
    const pki = await createClusterPki(dir, { servingIps: options.servingIps ?? [] });
    await mkdir(join(dir, "logs"));
    const [etcdPort, etcdPeerPort, apiPort] = await distinctPorts(3);
    const server = `https://127.0.0.1:${apiPort}`;

    const etcd = startLogged(etcdBin, join(dir, "logs", "etcd.log"), [
      "--name=local",
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=local=http://127.0.0.1:${etcdPeerPort}`,
      "--initial-cluster-state=new",
      // Throw-away data: skipping fsync saves most of etcd's I/O on a shared disk.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    children.push(etcd);

    const apiserver = startLogged(apiserverBin, join(dir, "logs", "kube-apiserver.log"), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1",
      // Without it a loopback bind makes the API server look for a default route.
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-issuer=${server}`,
      `--service-account-jwks-uri=${server}/openid/v1/jwks`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--api-audiences=${server}`,
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--enable-admission-plugins=PodSecurity",
      ...(controllers ? [] : ["--disable-admission-plugins=ServiceAccount"]),
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      "--kubelet-preferred-address-types=InternalIP",
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      "--v=1",
    ]);
    children.push(apiserver);

    const { admin, anonymous } = await connectCluster({
      server,
      caFile: pki.caCert,
      adminCertFile: pki.adminCert,
      adminKeyFile: pki.adminKey,
    });
    await waitReady({ client: anonymous, children, dir, timeoutMs: readyTimeoutMs });

    // Entra ID fetches discovery documents anonymously; by default only service accounts may.
    await admin.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "oidc-discovery-anonymous" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:service-account-issuer-discovery",
      },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }],
    });

    const kubeconfig = join(dir, "kubeconfig");
    const b64 = async (file: string) => (await readFile(file)).toString("base64");
    await writeFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: local",
        "  cluster:",
        `    server: ${server}`,
        `    certificate-authority-data: ${await b64(pki.caCert)}`,
        "users:",
        "- name: admin",
        "  user:",
        `    client-certificate-data: ${await b64(pki.adminCert)}`,
        `    client-key-data: ${await b64(pki.adminKey)}`,
        "contexts:",
        "- name: local",
        "  context: {cluster: local, user: admin, namespace: default}",
        "current-context: local",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    if (controllers) {
      const [controllerManagerBin, schedulerBin] = await Promise.all([
        toolPath("kube-controller-manager"),
        toolPath("kube-scheduler"),
      ]);
      children.push(
        startLogged(controllerManagerBin, join(dir, "logs", "kube-controller-manager.log"), [
          `--kubeconfig=${kubeconfig}`,
          `--root-ca-file=${pki.caCert}`,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          "--use-service-account-credentials=false",
          "--leader-elect=false",
          // No serving endpoint: nothing here scrapes it, and a fixed port would clash between clusters.
          "--secure-port=0",
          "--v=1",
        ]),
        startLogged(schedulerBin, join(dir, "logs", "kube-scheduler.log"), [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          "--leader-elect=false",
          "--secure-port=0",
          "--v=1",
        ]),
      );
      await waitForDefaultServiceAccount({ client: admin, children, timeoutMs: readyTimeoutMs });
    }
    const info = {
      server,
      kubeconfig,
      caFile: pki.caCert,
      adminCertFile: pki.adminCert,
      adminKeyFile: pki.adminKey,
      dir,
      pki,
    };
    return { ...info, admin, anonymous, stop };
  } catch (error) {
    const logs = await logTails(dir);
    await stop();
    throw new Error(`control plane did not start: ${(error as Error).message}${logs}`, { cause: error });
  }
}

function startLogged(bin: string, logFile: string, args: string[]): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function waitReady(args: {
  client: KubeClient;
  children: ChildProcess[];
  dir: string;
  timeoutMs: number;
}) {
  const deadline = Date.now() + args.timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    exitedChild(args.children);
    try {
      const res = await args.client.request("GET", "/readyz");
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`kube-apiserver not ready after ${args.timeoutMs} ms (last: ${last})`);
}

/** The controller-manager is working once it has given `default` its ServiceAccount. */
async function waitForDefaultServiceAccount(args: {
  client: KubeClient;
  children: ChildProcess[];
  timeoutMs: number;
}) {
  const deadline = Date.now() + args.timeoutMs;
  while (Date.now() < deadline) {
    exitedChild(args.children);
    const res = await args.client.request("GET", "/api/v1/namespaces/default/serviceaccounts/default");
    if (res.status === 200) return;
    await sleep(250);
  }
  throw new Error(`kube-controller-manager made no default ServiceAccount in ${args.timeoutMs} ms`);
}

function exitedChild(children: readonly ChildProcess[]): void {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode})`);
    }
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Throw-away data: a short grace period, then SIGKILL, so teardown never outlasts vitest's timeout.
  child.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(3_000).then(() => true)]);
  if (timedOut) {
    child.kill("SIGKILL");
    await exited;
  }
}

async function logTails(dir: string): Promise<string> {
  let out = "";
  for (const name of [
    "etcd.log",
    "kube-apiserver.log",
    "kube-controller-manager.log",
    "kube-scheduler.log",
  ]) {
    const text = await readFile(join(dir, "logs", name), "utf8").catch(() => "");
    if (text) out += `\n--- last lines of ${name} ---\n${text.split("\n").slice(-15).join("\n")}`;
  }
  return out;
}

/** Clients for a cluster started elsewhere (vitest's global setup runs in another process). */
export async function connectCluster(
  info: Pick<ClusterInfo, "server" | "caFile" | "adminCertFile" | "adminKeyFile">,
): Promise<{ admin: KubeClient; anonymous: KubeClient }> {
  const [ca, cert, key] = await Promise.all([
    readFile(info.caFile, "utf8"),
    readFile(info.adminCertFile, "utf8"),
    readFile(info.adminKeyFile, "utf8"),
  ]);
  return {
    admin: kubeClient({ server: info.server, ca, cert, key }),
    anonymous: kubeClient({ server: info.server, ca }),
  };
}
