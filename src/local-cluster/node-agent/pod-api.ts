import {
  type CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  type V1PodStatus,
} from "@kubernetes/client-node";

/** The HTTP status of a client-node failure (`ApiException.code`), if it has one. */
export function apiStatus(error: unknown): number | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === "number" ? code : undefined;
}

/** The API calls a Pod's worker makes, bound to one Pod. */
export interface PodApi {
  /** Writes the whole status with the status subresource (JSON merge patch: lists are replaced whole). */
  writeStatus(status: V1PodStatus): Promise<void>;
  /** Records an Event on the Pod, as the kubelet's recorder does (`source.component: kubelet`). */
  event(type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
  /** Deletes the Pod for good (grace 0), only if it is still this Pod (uid precondition). */
  deleteNow(): Promise<void>;
  /** A Secret's or ConfigMap's data as bytes; `undefined` on 404. */
  lookup(kind: "Secret" | "ConfigMap", name: string): Promise<Record<string, Buffer> | undefined>;
}

export function podApi(core: CoreV1Api, pod: V1Pod, nodeName: string): PodApi {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "default";
  const uid = pod.metadata?.uid ?? "";
  return {
    async writeStatus(status) {
      await core.patchNamespacedPodStatus(
        { name, namespace, body: { metadata: { uid }, status } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    },
    async event(type, reason, message) {
      const now = new Date();
      await core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
          type,
          reason,
          message,
          source: { component: "kubelet", host: nodeName },
          reportingComponent: "kubelet",
          reportingInstance: nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    },
    async deleteNow() {
      try {
        await core.deleteNamespacedPod({
          name,
          namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
      } catch (error) {
        // 404: already gone; 409: a new Pod of the same name, which is not ours to delete.
        if (apiStatus(error) !== 404 && apiStatus(error) !== 409) throw error;
      }
    },
    async lookup(kind, objectName) {
      try {
        if (kind === "Secret") {
          const secret = await core.readNamespacedSecret({ name: objectName, namespace });
          const out: Record<string, Buffer> = {};
          for (const [key, value] of Object.entries(secret.data ?? {}))
            out[key] = Buffer.from(value, "base64");
          for (const [key, value] of Object.entries(secret.stringData ?? {})) out[key] = Buffer.from(value);
          return out;
        }
        const map = await core.readNamespacedConfigMap({ name: objectName, namespace });
        const out: Record<string, Buffer> = {};
        for (const [key, value] of Object.entries(map.data ?? {})) out[key] = Buffer.from(value);
        for (const [key, value] of Object.entries(map.binaryData ?? {}))
          out[key] = Buffer.from(value, "base64");
        return out;
      } catch (error) {
        if (apiStatus(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
