// The local cluster's kubelet: runs the Pods bound to one Node as local processes in pod-network sandboxes.
export {
  type ImageEntry,
  type ImageProgram,
  type ImageTable,
  imageRepository,
  resolveProgram,
} from "./image-table.ts";
export { isNodeAgentError, NodeAgentError, type NodeAgentErrorCode } from "./node-agent-error.ts";
export { type NodeAgent, type NodeAgentOptions, startNodeAgent } from "./start-node-agent.ts";
