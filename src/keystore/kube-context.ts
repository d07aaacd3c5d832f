import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

/** Where a pod's service-account namespace is mounted. */
export const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** The API server to talk to: `KUBECONFIG` (or ~/.kube/config), else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** The namespace to use when none is given: the pod's own (in-cluster), else `default`. */
export function defaultNamespace(file = inClusterNamespaceFile): string {
  try {
    const namespace = readFileSync(file, "utf8").trim();
    return namespace === "" ? "default" : namespace;
  } catch {
    return "default";
  }
}
