import { CoreV1Api, type KubeConfig, type V1Pod, VersionApi, Watch } from "@kubernetes/client-node";
import type { PodNetwork } from "../pod-network/index.ts";
import type { ImageTable } from "./image-table.ts";
import { startKubeletServer } from "./kubelet-server.ts";
import { PodWorker, type PodWorkerDeps } from "./pod-worker.ts";
import { registerNode } from "./register-node.ts";

/** Options of {@link startNodeAgent}. */
export interface NodeAgentOptions {
  /** Admin credentials (the lead passes a system:masters config). */
  readonly kubeConfig: KubeConfig;
  /** The Node's name, e.g. `local-node`. */
  readonly nodeName: string;
  readonly network: PodNetwork;
  /** Where Pods reach the API server (gateway + forward port), for KUBERNETES_SERVICE_*. */
  readonly apiServerForPods: { readonly host: string; readonly port: number };
  /** Which images may run, and as what. Nothing else ever runs. */
  readonly images: ImageTable;
  /** What the node adds to every container (AKS's HTTP proxy feature: HTTPS_PROXY, NO_PROXY, a CA file). */
  readonly podDefaults?: PodWorkerDeps["podDefaults"];
  /** The logs API's TLS: serving cert and key, and the CA whose client certs (the API server's) get in. */
  readonly kubeletServing: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile: string;
  };
  /** Container logs: `<logDir>/<ns>_<pod>_<uid>/<container>/<restart>.log`. */
  readonly logDir: string;
  /** Longest back-off between restarts. Default 10 s (the kubelet's 5 min is too slow for tests). */
  readonly maxRestartBackoffMs?: number;
  /** The node's address (InternalIP, status.hostIP). Default 127.0.0.1. */
  readonly hostIP?: string;
  /** Where the agent's own notes go. Default: nowhere. */
  readonly logger?: (line: string) => void;
}

/** A running node agent. */
export interface NodeAgent {
  readonly nodeName: string;
  readonly kubeletPort: number;
  /** Stops watching, kills every Pod's processes and removes their sandboxes; the Node object stays. */
  stop(): Promise<void>;
}

/**
 * A kubelet in TypeScript: registers the Node, keeps its Lease and status fresh, runs the Pods bound to it
 * (list + watch on `spec.nodeName`, re-listed with back-off whenever the watch ends) and serves their logs.
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const log = options.logger ?? (() => {});
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const hostIP = options.hostIP ?? "127.0.0.1";
  const workers = new Map<string, PodWorker>();
  const byName = new Map<string, PodWorker>();
  const { nodeName } = options;

  const kubelet = await startKubeletServer({
    ...options.kubeletServing,
    findLog: ({ namespace, pod, container, previous }) => {
      const worker = byName.get(`${namespace}/${pod}`);
      if (worker === undefined) return { notFound: `pod ${namespace}/${pod} is not on node ${nodeName}` };
      return worker.findLog(container, previous);
    },
  });
  const kubeletPort = kubelet.port;
  const version = await options.kubeConfig
    .makeApiClient(VersionApi)
    .getCode()
    .then((info) => info.gitVersion)
    .catch(() => "v0.0.0");
  const node = await registerNode({
    kubeConfig: options.kubeConfig,
    core,
    nodeName,
    hostIP,
    kubeletPort,
    kubeletVersion: version,
    log,
  });

  const deps: PodWorkerDeps = {
    nodeName,
    hostIP,
    core,
    network: options.network,
    images: options.images,
    apiServerForPods: options.apiServerForPods,
    ...(options.podDefaults === undefined ? {} : { podDefaults: options.podDefaults }),
    logDir: options.logDir,
    maxRestartBackoffMs: options.maxRestartBackoffMs ?? 10_000,
    log,
  };

  const seen = (pod: V1Pod) => {
    const uid = pod.metadata?.uid ?? "";
    const existing = workers.get(uid);
    if (existing) return existing.update(pod);
    const worker = new PodWorker(pod, deps);
    workers.set(uid, worker);
    byName.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, worker);
    worker
      .run()
      .catch((error: unknown) =>
        log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(error as Error).message}`),
      );
    if (pod.metadata?.deletionTimestamp) worker.update(pod);
  };
  const gone = (pod: V1Pod) => {
    const uid = pod.metadata?.uid ?? "";
    const worker = workers.get(uid);
    if (worker === undefined) return;
    workers.delete(uid);
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (byName.get(key) === worker) byName.delete(key);
    void worker.terminate({ deleted: true });
  };

  // list, then watch from the list's resourceVersion; when the watch ends, list again (with back-off on errors).
  const watch = new Watch(options.kubeConfig);
  const fieldSelector = `spec.nodeName=${nodeName}`;
  let stopped = false;
  let abort: AbortController | undefined;
  let backoffMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  const relist = async (): Promise<void> => {
    if (stopped) return;
    try {
      const list = await core.listPodForAllNamespaces({ fieldSelector });
      const current = new Set<string>();
      for (const pod of list.items) {
        current.add(pod.metadata?.uid ?? "");
        seen(pod);
      }
      for (const worker of [...workers.values()]) {
        if (!current.has(worker.uid)) gone({ metadata: { uid: worker.uid } });
      }
      if (stopped) return;
      let failed = false;
      abort = await watch.watch(
        "/api/v1/pods",
        {
          fieldSelector,
          resourceVersion: list.metadata?.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300,
        },
        (type, object: V1Pod) => {
          if (type === "ADDED" || type === "MODIFIED") seen(object);
          else if (type === "DELETED") gone(object);
          else if (type === "ERROR") failed = true; // e.g. 410 Gone: the re-list below catches up
        },
        (error: unknown) => {
          if (stopped) return;
          if (error || failed)
            log(`pod watch ended: ${(error as Error | undefined)?.message ?? "ERROR event"}`);
          backoffMs = error || failed ? Math.min(Math.max(backoffMs * 2, 500), 30_000) : 0;
          retryTimer = setTimeout(() => void relist(), backoffMs);
        },
      );
      backoffMs = 0;
    } catch (error) {
      log(`pod list failed: ${(error as Error).message}`);
      backoffMs = Math.min(Math.max(backoffMs * 2, 500), 30_000);
      retryTimer = setTimeout(() => void relist(), backoffMs);
    }
  };
  await relist();

  return {
    nodeName,
    kubeletPort,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      abort?.abort();
      node.stop();
      await Promise.allSettled([...workers.values()].map((w) => w.terminate({ deleted: true })));
      workers.clear();
      byName.clear();
      kubelet.server.closeAllConnections();
      await new Promise<void>((resolve) => kubelet.server.close(() => resolve()));
    },
  };
}
