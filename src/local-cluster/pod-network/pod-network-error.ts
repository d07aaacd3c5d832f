import { CodedError, codedErrorGuard } from "../../errors/index.ts";

/** Stable codes of {@link PodNetworkError}; the kubelet and tests match on these, never on messages. */
export type PodNetworkErrorCode =
  /** A host tool the pod network needs (ip, nsenter, unshare, setpriv, mount, umount, mkdir, sh, hostname) is not installed. */
  | "HOST_TOOL_MISSING"
  /** A host command (ip, mount, …) failed or did not finish in time. */
  | "HOST_COMMAND_FAILED"
  /** Every network number 1..250 is held by a live process or its subnet is in use on the host. */
  | "NO_FREE_NETWORK"
  /** Every Pod address 10.244.<N>.2..254 of this network is taken. */
  | "NO_FREE_ADDRESS"
  /** The network was closed, or the sandbox destroyed, before the call. */
  | "CLOSED"
  /** A process spec is unusable: empty argv, a uid/gid that is not a non-negative integer. */
  | "PROCESS_SPEC_INVALID"
  /** A mount path is not absolute, not normalised, holds `..` or a NUL, or targets `/`. */
  | "MOUNT_PATH_INVALID"
  /** A mount's hostPath does not exist. */
  | "MOUNT_SOURCE_MISSING"
  /** A mount's containerPath does not exist on the host and is not under /run/secrets. */
  /** A mount binds a file onto a folder or a folder onto a file. */
  /** Preparing the process's mount namespace (tmpfs, mkdir, bind) failed. */
  | "MOUNT_SETUP_FAILED"
  /** A sandbox hostname is not an RFC 1123 label of at most 63 characters. */
  | "HOSTNAME_INVALID"
  /** Making the sandbox's UTS namespace (unshare --uts, hostname) failed. */
  | "UTS_SETUP_FAILED";

/** The one error the pod network throws; its message is one line and never holds env values. */
export class PodNetworkError extends CodedError<PodNetworkErrorCode> {
  override readonly name = "PodNetworkError";
}

export const isPodNetworkError = codedErrorGuard<PodNetworkError>("PodNetworkError");
