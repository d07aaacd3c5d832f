// The tests' view of the local cluster, which lives in src/local-cluster (the demo starts it too).
export {
  type ClusterInfo,
  type ControlPlane as LocalCluster,
  connectCluster,
  startControlPlane as startLocalCluster,
} from "../../src/local-cluster/control-plane/index.ts";
