// etcd, kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1, built by `npm run tools`.
export type { ClusterPki } from "./cluster-pki.ts";
export { freePort } from "./free-port.ts";
export { type KubeClient, type KubeCredentials, type KubeResponse, kubeClient } from "./kube-client.ts";
export {
  type ClusterInfo,
  type ControlPlane,
  connectCluster,
  type StartControlPlaneOptions,
  startControlPlane,
} from "./start-control-plane.ts";
export { type ToolName, toolPath } from "./tool-path.ts";
