export { type KubeClient, kubeClient } from "../../src/local-cluster/control-plane/index.ts";
