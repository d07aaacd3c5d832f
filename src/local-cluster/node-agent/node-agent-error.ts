import { CodedError, codedErrorGuard } from "../../errors/index.ts";

/** Stable codes of {@link NodeAgentError}. */
export type NodeAgentErrorCode =
  /** The image is not in the ImageTable, or the argv matches none of its programs. */
  | "IMAGE_NOT_ALLOWED"
  /** A container's env or a volume names something that does not exist or is not supported. */
  | "CONTAINER_CONFIG"
  /** The Node could not be registered or its Lease could not be written. */
  | "NODE_REGISTRATION";

/** A failure of the local node agent, with a one-line message naming the Pod/container and what is wrong. */
export class NodeAgentError extends CodedError<NodeAgentErrorCode> {
  override readonly name = "NodeAgentError";
}

export const isNodeAgentError = codedErrorGuard<NodeAgentError>("NodeAgentError");
