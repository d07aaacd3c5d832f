// The sandbox API the node agent consumes, as /work/design-11.md states it ("Sandbox API"). Types only, so
// this folder compiles without pod-network; pod-network's own types must stay assignable to these.
import type { ChildProcess } from "node:child_process";

/** One bind mount inside a Pod's private mount namespace. */
export interface SandboxMount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** What {@link PodSandbox.startProcess} runs. */
export interface SandboxProcessSpec {
  /** Host paths: `[process.execPath, "<repo>/dist/server.mjs", ...args]`. */
  readonly argv: readonly string[];
  /** The whole environment; nothing is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly mounts: readonly SandboxMount[];
  readonly uid?: number;
  readonly gid?: number;
  readonly supplementalGroups?: readonly number[];
}

/** One Pod's network namespace, mount rules and host folder. */
export interface PodSandbox {
  readonly ip: string;
  /** Host folder for this Pod's files (volumes go under `<dir>/volumes/<name>/`). */
  readonly dir: string;
  /** Starts a process in the Pod; stdout and stderr are pipes. */
  startProcess(spec: SandboxProcessSpec): ChildProcess;
  /** Kills the Pod's processes (SIGKILL), removes its netns, veth and dir. */
  destroy(): Promise<void>;
}

/** Options of {@link PodNetwork.createSandbox}. */
export interface SandboxOptions {
  /** The Pod's hostname (an RFC 1123 label): its processes get their own UTS namespace with this name. */
  readonly hostname?: string;
}

/** The local cluster's Pod network. */
export interface PodNetwork {
  readonly bridge: string;
  readonly gatewayIp: string;
  readonly cidr: string;
  forward(target: { host: string; port: number }): Promise<number>;
  createSandbox(podUid: string, options?: SandboxOptions): Promise<PodSandbox>;
  close(): Promise<void>;
}
