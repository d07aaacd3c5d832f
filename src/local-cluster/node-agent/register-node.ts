import { arch, cpus, release, totalmem } from "node:os";
import {
  CoordinationV1Api,
  type CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1NodeStatus,
} from "@kubernetes/client-node";
import { NodeAgentError } from "./node-agent-error.ts";
import { apiStatus } from "./pod-api.ts";

/** A Lease's times are MicroTime: the API server wants six fractional digits (see server/hold-lease.ts). */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/Z$/, "000Z");
  }
  override toJSON(): string {
    return this.toISOString();
  }
}

/** Where the node is, for its status. */
export interface NodeIdentity {
  readonly nodeName: string;
  readonly hostIP: string;
  readonly kubeletPort: number;
  readonly kubeletVersion: string;
}

const nodeArch = arch() === "x64" ? "amd64" : arch();

/** The Node's status as the kubelet reports it: capacity, conditions, addresses, the logs endpoint. */
export function nodeStatus(node: NodeIdentity, now: Date): V1NodeStatus {
  const resources = {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: "110",
    "ephemeral-storage": "10Gi",
  };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
      condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", "True", "KubeletReady", "local node agent is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: node.hostIP },
      { type: "Hostname", address: node.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: node.kubeletPort } },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: release(),
      osImage: "spirl-keywrap local cluster",
      containerRuntimeVersion: "spirl-local://1",
      kubeletVersion: node.kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: nodeArch,
    },
  };
}

/** Options of {@link registerNode}. */
export interface RegisterNodeOptions extends NodeIdentity {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  /** Lease renewal period. Default 10 s (the kubelet's). */
  readonly leaseRenewMs?: number;
  /** NodeStatus refresh period. Default 30 s. */
  readonly statusRefreshMs?: number;
  readonly log: (line: string) => void;
}

/**
 * Creates (or takes over) the Node, then keeps it alive as the kubelet does: a Lease in kube-node-lease
 * renewed every 10 s and the NodeStatus refreshed periodically, so the node-lifecycle controller keeps it
 * Ready. `stop()` ends the renewals; the Node stays (as when a kubelet stops) until deleted.
 */
export async function registerNode(options: RegisterNodeOptions): Promise<{ stop(): void }> {
  const { core, nodeName } = options;
  const leases = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const labels = {
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": nodeArch,
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": nodeArch,
  };
  const patchStatus = () =>
    core.patchNodeStatus(
      { name: nodeName, body: { status: nodeStatus(options, new Date()) } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  let node: V1Node;
  try {
    try {
      node = await core.createNode({ body: { metadata: { name: nodeName, labels }, spec: {} } });
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
      node = await core.patchNode(
        { name: nodeName, body: { metadata: { labels } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    }
    await patchStatus();
  } catch (error) {
    throw new NodeAgentError(`Node ${nodeName}: could not register: ${(error as Error).message}`, {
      code: "NODE_REGISTRATION",
      cause: error,
    });
  }

  const leaseDurationSeconds = 40;
  const renewLease = async () => {
    const now = new MicroTime();
    const spec = { holderIdentity: nodeName, leaseDurationSeconds, renewTime: now };
    try {
      const lease = await leases.readNamespacedLease({ name: nodeName, namespace: "kube-node-lease" });
      await leases.replaceNamespacedLease({
        name: nodeName,
        namespace: "kube-node-lease",
        body: { ...lease, spec: { ...lease.spec, ...spec, renewTime: now } },
      });
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      await leases.createNamespacedLease({
        namespace: "kube-node-lease",
        body: {
          metadata: {
            name: nodeName,
            namespace: "kube-node-lease",
            ownerReferences: [
              { apiVersion: "v1", kind: "Node", name: nodeName, uid: node.metadata?.uid ?? "" },
            ],
          },
          spec,
        },
      });
    }
  };
  const every = (ms: number, what: string, task: () => Promise<unknown>) => {
    const run = () =>
      task().catch((error: unknown) =>
        options.log(`Node ${nodeName}: ${what} failed: ${(error as Error).message}`),
      );
    void run();
    const timer = setInterval(run, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(options.leaseRenewMs ?? 10_000, "lease renewal", renewLease),
    every(options.statusRefreshMs ?? 30_000, "status refresh", patchStatus),
  ];
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
