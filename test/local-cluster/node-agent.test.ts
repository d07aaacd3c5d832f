import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/local-cluster/control-plane/index.ts";
import { type NodeAgent, startNodeAgent } from "../../src/local-cluster/node-agent/index.ts";
import { type FakePodNetwork, fakePodNetwork, testImages } from "../helpers/fake-pod-network.ts";
import { type LocalCluster, startLocalCluster } from "../helpers/local-cluster.ts";
import { toolPath } from "../helpers/tools.ts";

type Pod = {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
};
type ContainerStatus = {
  name: string;
  restartCount: number;
  ready: boolean;
  state: {
    waiting?: { reason: string; message?: string };
    running?: { startedAt: string };
    terminated?: {
      exitCode: number;
      reason: string;
      message?: string;
      startedAt: string;
      finishedAt: string;
    };
  };
  lastState?: { terminated?: { exitCode: number } };
};

const nodeName = "test-node";
const ns = "default";

let cluster: LocalCluster;
let agent: NodeAgent;
let network: FakePodNetwork;
let logDir: string;

beforeAll(async () => {
  // No scheduler or controllers: the tests bind their Pods by spec.nodeName. The control plane already gives
  // the API server a kubelet client certificate and the node a serving one, both from the cluster CA.
  cluster = await startLocalCluster({ controllers: false });
  logDir = await mkdtemp(join(tmpdir(), "node-agent-logs-"));
  network = fakePodNetwork();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfig);
  agent = await startNodeAgent({
    kubeConfig,
    nodeName,
    network,
    apiServerForPods: { host: "127.0.0.1", port: Number(new URL(cluster.server).port) },
    images: testImages,
    podDefaults: { env: { HTTPS_PROXY: "http://127.0.0.1:3128" } },
    kubeletServing: {
      certFile: cluster.pki.kubeletServingCert,
      keyFile: cluster.pki.kubeletServingKey,
      clientCaFile: cluster.caFile,
    },
    logDir,
    maxRestartBackoffMs: 2000,
  });
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await network?.close();
  await cluster?.stop();
  if (logDir) await rm(logDir, { recursive: true, force: true });
}, 60_000);

const podPath = (name = "") => `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ""}`;

async function createPod(name: string, spec: Record<string, unknown>): Promise<Pod> {
  return cluster.admin.json<Pod>("POST", podPath(), {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name } },
    spec: { nodeName, terminationGracePeriodSeconds: 5, ...spec },
  });
}

/** A container of the test image running `script` (JavaScript; `hostPath()` maps in-container paths). */
function js(name: string, script: string, extra: Record<string, unknown> = {}) {
  return { name, image: "example.test/js:1", args: [script], ...extra };
}

async function waitPod(
  name: string,
  what: string,
  ok: (pod: Pod) => boolean,
  timeoutMs = 60_000,
): Promise<Pod> {
  const deadline = Date.now() + timeoutMs;
  let pod: Pod | undefined;
  while (Date.now() < deadline) {
    pod = await cluster.admin.json<Pod>("GET", podPath(name));
    if (ok(pod)) return pod;
    await sleep(200);
  }
  throw new Error(
    `pod ${name}: not ${what} within ${timeoutMs} ms; last status ${JSON.stringify(pod?.status)}`,
  );
}

const ended = (pod: Pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

async function kubectl(...args: string[]): Promise<string> {
  const result = await execa(await toolPath("kubectl"), ["--kubeconfig", cluster.kubeconfig, ...args], {
    timeout: 30_000,
  });
  return result.stdout;
}

describe("node agent", () => {
  it("registers a Ready Node with its addresses and kubelet port, and renews its Lease", async () => {
    const node = await cluster.admin.json<{
      metadata: { labels: Record<string, string> };
      status: {
        conditions: { type: string; status: string }[];
        addresses: { type: string; address: string }[];
        daemonEndpoints: { kubeletEndpoint: { Port: number } };
        allocatable: Record<string, string>;
      };
    }>("GET", `/api/v1/nodes/${nodeName}`);
    expect(node.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": nodeName,
      "kubernetes.io/os": "linux",
    });
    expect(node.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(node.status.addresses).toEqual([
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: nodeName },
    ]);
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.kubeletPort);
    expect(node.status.allocatable).toHaveProperty("pods", "110");
    const lease = await cluster.admin.json<{ spec: { holderIdentity: string; renewTime: string } }>(
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`,
    );
    expect(lease.spec.holderIdentity).toBe(nodeName);
  });

  it("runs the init container, then the main container, and ends Succeeded with exit codes", async () => {
    await createPod("init-then-main", {
      restartPolicy: "Never",
      volumes: [{ name: "scratch", emptyDir: {} }],
      initContainers: [
        js("init", `fs.writeFileSync(hostPath("/work/order"), "init\\n"); console.log("init done")`, {
          volumeMounts: [{ name: "scratch", mountPath: "/work" }],
        }),
      ],
      containers: [
        js("main", `console.log("saw " + fs.readFileSync(hostPath("/work/order"), "utf8").trim())`, {
          volumeMounts: [{ name: "scratch", mountPath: "/work" }],
        }),
      ],
    });
    const pod = await waitPod("init-then-main", "ended", ended);
    expect(pod.status?.phase).toBe("Succeeded");
    const init = pod.status?.initContainerStatuses?.[0]?.state.terminated;
    const main = pod.status?.containerStatuses?.[0]?.state.terminated;
    expect(init).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(main).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(Date.parse(main?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(init?.finishedAt ?? "") - 1000,
    );
    expect(pod.status?.conditions?.find((c) => c.type === "Initialized")?.status).toBe("True");
    expect(pod.status?.podIP).toBe("127.0.0.1");
    expect(pod.status?.hostIP).toBe("127.0.0.1");
    // The main container read what the init container wrote: it ran after it.
    expect(await kubectl("logs", "init-then-main", "-c", "main")).toBe("saw init");
    expect(await kubectl("logs", "init-then-main", "-c", "init")).toBe("init done");
  });

  it("ends Failed with the container's exit code and its last log lines as the message", async () => {
    await createPod("fails", {
      restartPolicy: "Never",
      containers: [
        js("main", `console.error("HSM_FORBIDDEN: no role"); process.exit(3)`, {
          terminationMessagePolicy: "FallbackToLogsOnError",
        }),
      ],
    });
    const pod = await waitPod("fails", "ended", ended);
    expect(pod.status?.phase).toBe("Failed");
    expect(pod.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
      message: "HSM_FORBIDDEN: no role\n",
    });
  });

  it("gives the process env from values, fieldRef, secretKeyRef, configMapKeyRef, envFrom and the node", async () => {
    await cluster.admin.json("POST", `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: "creds" },
      stringData: { password: "s3cret" },
    });
    await cluster.admin.json("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "settings" },
      data: { MODE: "strict", LEVEL: "9" },
    });
    await createPod("env", {
      restartPolicy: "Never",
      serviceAccountName: "default",
      containers: [
        js("main", "console.log(JSON.stringify(process.env))", {
          envFrom: [{ configMapRef: { name: "settings" }, prefix: "CM_" }],
          env: [
            { name: "PLAIN", value: "v" },
            { name: "EXPANDED", value: "$(PLAIN)-x" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
            { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
            { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "MODE" } } },
            { name: "ABSENT", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } },
          ],
        }),
      ],
    });
    const pod = await waitPod("env", "ended", ended);
    expect(pod.status?.phase).toBe("Succeeded");
    const env = JSON.parse(await kubectl("logs", "env")) as Record<string, string>;
    const port = new URL(cluster.server).port;
    expect(env).toMatchObject({
      PLAIN: "v",
      EXPANDED: "v-x",
      POD_NAME: "env",
      POD_UID: pod.metadata.uid,
      APP: "env",
      NODE: nodeName,
      POD_IP: "127.0.0.1",
      PASSWORD: "s3cret",
      MODE: "strict",
      CM_LEVEL: "9",
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: port,
      KUBERNETES_PORT: `tcp://127.0.0.1:${port}`,
      HTTPS_PROXY: "http://127.0.0.1:3128",
    });
    expect(env).not.toHaveProperty("ABSENT");
  });

  it("writes Secret and ConfigMap volumes as files, with their items and modes", async () => {
    await cluster.admin.json("POST", `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: "vol-secret" },
      stringData: { "tls.crt": "CERT", "tls.key": "KEY" },
    });
    await cluster.admin.json("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "vol-config" },
      data: { "app.yaml": "a: 1" },
    });
    const read = (path: string) =>
      `{ const p = hostPath(${JSON.stringify(path)}); return [fs.readFileSync(p, "utf8"), (fs.statSync(p).mode & 0o777).toString(8)]; }`;
    await createPod("keyed-volumes", {
      restartPolicy: "Never",
      containers: [
        js(
          "main",
          `console.log(JSON.stringify({ key: (() => ${read("/etc/tls/key.pem")})(), app: (() => ${read("/etc/app/app.yaml")})() }))`,
          {
            volumeMounts: [
              { name: "tls", mountPath: "/etc/tls", readOnly: true },
              { name: "app", mountPath: "/etc/app", readOnly: true },
            ],
          },
        ),
      ],
      volumes: [
        {
          name: "tls",
          secret: { secretName: "vol-secret", items: [{ key: "tls.key", path: "key.pem", mode: 0o400 }] },
        },
        { name: "app", configMap: { name: "vol-config", defaultMode: 0o440 } },
      ],
    });
    const pod = await waitPod("keyed-volumes", "ended", ended);
    expect(pod.status?.phase).toBe("Succeeded");
    expect(JSON.parse(await kubectl("logs", "keyed-volumes"))).toEqual({
      key: ["KEY", "400"],
      app: ["a: 1", "440"],
    });
  });

  it("mounts a projected service-account token bound to the Pod, with the volume's audience", async () => {
    await cluster.admin.json("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, {
      metadata: { name: "worker" },
    });
    await createPod("token", {
      restartPolicy: "Never",
      serviceAccountName: "worker",
      volumes: [
        {
          name: "azure-identity-token",
          projected: {
            sources: [
              {
                serviceAccountToken: {
                  path: "azure-identity-token",
                  audience: "api://AzureADTokenExchange",
                  expirationSeconds: 3600,
                },
              },
              { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
            ],
          },
        },
      ],
      containers: [
        js(
          "main",
          `const d = "/var/run/secrets/azure/tokens/"; console.log(fs.readFileSync(hostPath(d + "name"), "utf8")); console.log(fs.readFileSync(hostPath(d + "azure-identity-token"), "utf8"))`,
          {
            volumeMounts: [
              { name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", readOnly: true },
            ],
          },
        ),
      ],
    });
    const pod = await waitPod("token", "ended", ended);
    expect(pod.status?.phase).toBe("Succeeded");
    const [name, jwt = ""] = (await kubectl("logs", "token")).split("\n");
    expect(name).toBe("token");
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    expect(claims.aud).toEqual(["api://AzureADTokenExchange"]);
    expect(claims.sub).toBe("system:serviceaccount:default:worker");
    expect(claims["kubernetes.io"].pod).toEqual({ name: "token", uid: pod.metadata.uid });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it("never runs an image outside the table: CreateContainerError, a Warning event, Failed under Never", async () => {
    const before = network.started.length;
    const created = await createPod("bad-image", {
      restartPolicy: "Never",
      containers: [{ name: "main", image: "docker.io/library/busybox:1", command: ["sh", "-c", "echo hi"] }],
    });
    const pod = await waitPod("bad-image", "ended", ended);
    expect(pod.status?.phase).toBe("Failed");
    expect(pod.status?.containerStatuses?.[0]?.state.waiting?.reason).toBe("CreateContainerError");
    expect(pod.status?.containerStatuses?.[0]?.state.waiting?.message).toContain(
      "docker.io/library/busybox:1",
    );
    expect(network.started.slice(before).filter((s) => s.podUid === created.metadata.uid)).toEqual([]);
    const events = await cluster.admin.json<{ items: { type: string; reason: string; message: string }[] }>(
      "GET",
      `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.uid=${created.metadata.uid}`,
    );
    expect(events.items).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        reason: "Failed",
        message: expect.stringContaining("busybox"),
      }),
    );
  });

  it("refuses runAsNonRoot when the container would run as root, and NODE_OPTIONS from the Pod", async () => {
    const before = network.started.length;
    const rootPod = await createPod("root-refused", {
      restartPolicy: "Never",
      securityContext: { runAsNonRoot: true },
      containers: [js("main", `console.log("ran")`)],
    });
    const envPod = await createPod("node-options-refused", {
      restartPolicy: "Never",
      containers: [
        { ...js("main", `console.log("ran")`), env: [{ name: "NODE_OPTIONS", value: "--import=data:," }] },
      ],
    });
    for (const [name, text] of [
      ["root-refused", "runAsNonRoot and image will run as root"],
      ["node-options-refused", "NODE_OPTIONS"],
    ] as const) {
      const pod = await waitPod(
        name,
        "a config error",
        (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === "CreateContainerConfigError",
      );
      expect(pod.status?.containerStatuses?.[0]?.state.waiting?.message).toContain(text);
    }
    const uids = [rootPod.metadata.uid, envPod.metadata.uid];
    expect(network.started.slice(before).filter((s) => uids.includes(s.podUid))).toEqual([]);
  });

  it("streams logs with kubectl logs -f, --tail and --timestamps", async () => {
    await createPod("chatty", {
      restartPolicy: "Never",
      containers: [
        js(
          "main",
          `for (let i = 1; i <= 5; i++) console.log("line " + i); setTimeout(() => console.log("late"), 1500)`,
        ),
      ],
    });
    await waitPod("chatty", "running", (p) => p.status?.containerStatuses?.[0]?.state.running !== undefined);
    // -f ends when the container's streams close, so this returns and holds the late line too.
    expect(await kubectl("logs", "-f", "chatty")).toBe("line 1\nline 2\nline 3\nline 4\nline 5\nlate");
    expect(await kubectl("logs", "chatty", "--tail=2")).toBe("line 5\nlate");
    expect(await kubectl("logs", "chatty", "--tail=1", "--timestamps")).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z late$/,
    );
  });

  it("kills the process of a deleted Pod and removes the Pod", async () => {
    const created = await createPod("sleeper", {
      containers: [js("main", `console.log("up"); setInterval(() => {}, 1000)`)],
    });
    await waitPod("sleeper", "running", (p) => p.status?.containerStatuses?.[0]?.state.running !== undefined);
    const child = network.started.find((s) => s.podUid === created.metadata.uid)?.child;
    expect(child?.exitCode).toBeNull();
    await cluster.admin.json("DELETE", podPath("sleeper"));
    const deadline = Date.now() + 30_000;
    while ((await cluster.admin.request("GET", podPath("sleeper"))).status !== 404) {
      if (Date.now() > deadline) throw new Error("pod sleeper not deleted within 30 s");
      await sleep(200);
    }
    // Node's default SIGTERM action ends the process; the agent saw it end before deleting the Pod.
    expect(child?.signalCode ?? child?.exitCode).toBe("SIGTERM");
  });

  it("restarts a crashing container under restartPolicy Always and counts the restarts", async () => {
    await createPod("crasher", {
      restartPolicy: "Always",
      containers: [js("main", `console.log("crash"); process.exit(2)`)],
    });
    const pod = await waitPod(
      "crasher",
      "restarted twice",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    const status = pod.status?.containerStatuses?.[0];
    expect(pod.status?.phase).toBe("Running");
    expect(status?.lastState?.terminated?.exitCode ?? status?.state.terminated?.exitCode).toBe(2);
    const backOff = await waitPod(
      "crasher",
      "in back-off",
      (p) => p.status?.containerStatuses?.[0]?.state.waiting !== undefined,
    );
    expect(backOff.status?.containerStatuses?.[0]?.state.waiting?.reason).toBe("CrashLoopBackOff");
    expect(await kubectl("logs", "crasher", "--previous")).toBe("crash");
  });

  it("marks a container ready once its HTTP readiness probe passes on a named port", async () => {
    const port = await freePort();
    const server = `require("node:http").createServer((q, r) => r.end("ok")).listen(${port}, "127.0.0.1", () => console.log("listening"))`;
    await createPod("probed", {
      containers: [
        js("main", server, {
          ports: [{ name: "web", containerPort: port }],
          readinessProbe: { httpGet: { path: "/ready", port: "web" }, periodSeconds: 1 },
          livenessProbe: { tcpSocket: { port }, periodSeconds: 1 },
        }),
      ],
    });
    const pod = await waitPod("probed", "ready", (p) => p.status?.containerStatuses?.[0]?.ready === true);
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await cluster.admin.json("DELETE", podPath("probed"));
  });

  it("ends a Pod past its activeDeadlineSeconds Failed with DeadlineExceeded", async () => {
    await createPod("deadline", {
      restartPolicy: "Never",
      activeDeadlineSeconds: 2,
      containers: [js("main", "setInterval(() => {}, 1000)")],
    });
    const pod = await waitPod("deadline", "ended", ended);
    expect(pod.status?.phase).toBe("Failed");
    expect(pod.status?.reason).toBe("DeadlineExceeded");
  });
});
