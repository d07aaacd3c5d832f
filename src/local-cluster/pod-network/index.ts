// The local cluster's Pod network: a bridge, one network + UTS namespace per Pod, a mount namespace per process, gateway TCP forwards,
// and process start. The one public face of src/local-cluster/pod-network.
export { type CreatePodNetworkOptions, createPodNetwork, type PodNetwork } from "./create-pod-network.ts";
export type { SandboxMount } from "./mount-plan.ts";
export { isPodNetworkError, PodNetworkError, type PodNetworkErrorCode } from "./pod-network-error.ts";
export type { PodSandbox, ProcessSpec, SandboxOptions } from "./pod-sandbox.ts";
