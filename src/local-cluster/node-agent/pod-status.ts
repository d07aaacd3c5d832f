import type {
  V1ContainerState,
  V1ContainerStatus,
  V1PodCondition,
  V1PodStatus,
} from "@kubernetes/client-node";

/** A container that has ended, as `state.terminated`/`lastState.terminated` reports it. */
export interface Termination {
  readonly exitCode: number;
  readonly signal?: number;
  /** `Completed` (exit 0), `Error`, or what the agent knows better (`DeadlineExceeded`). */
  readonly reason: string;
  readonly message?: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly containerID: string;
}

/** What the node agent knows about one container right now. */
export type ContainerState =
  | { readonly kind: "waiting"; readonly reason: string; readonly message?: string }
  | { readonly kind: "running"; readonly startedAt: Date; readonly containerID: string }
  | ({ readonly kind: "terminated" } & Termination);

/** One container's record, kept by the Pod's worker. */
export interface ContainerRecord {
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly lastTermination?: Termination;
  readonly restartCount: number;
  /** Running and its readiness probe (if any) passed; for init containers: ended with 0. */
  readonly ready: boolean;
  /** Running and its startup probe (if any) passed. */
  readonly started: boolean;
}

/** Inputs of {@link buildPodStatus}. */
export interface PodStatusInput {
  readonly restartPolicy: string;
  readonly initContainers: readonly ContainerRecord[];
  readonly containers: readonly ContainerRecord[];
  readonly podIP?: string;
  readonly hostIP: string;
  readonly startTime: Date;
  /** Set when the agent ended the Pod itself (deadline, refused image under `Never`). */
  readonly failed?: { readonly reason: string; readonly message: string };
  /** The conditions last written, so an unchanged condition keeps its lastTransitionTime. */
  readonly previousConditions?: readonly V1PodCondition[];
  readonly now: Date;
}

/** True when the init container ran to exit 0. */
function succeeded(record: ContainerRecord): boolean {
  return record.state.kind === "terminated" && record.state.exitCode === 0;
}

/** All init containers have succeeded. */
export function initialized(initContainers: readonly ContainerRecord[]): boolean {
  return initContainers.every(succeeded);
}

/**
 * The Pod phase as the kubelet's getPhase derives it: Pending until every init container succeeded and
 * every main container has started once; Running while any runs or will be restarted; Succeeded/Failed
 * once all have ended and the restart policy restarts none.
 */
export function podPhase(
  input: Pick<PodStatusInput, "restartPolicy" | "initContainers" | "containers" | "failed">,
) {
  if (input.failed) return "Failed";
  const { restartPolicy } = input;
  const initFailed = input.initContainers.some(
    (c) => c.state.kind === "terminated" && c.state.exitCode !== 0,
  );
  if (initFailed && restartPolicy === "Never") return "Failed";
  if (!initialized(input.initContainers)) return "Pending";
  let running = 0;
  let waitingFirst = 0;
  let stopped = 0;
  let failed = 0;
  for (const c of input.containers) {
    if (c.state.kind === "running") running++;
    else if (c.state.kind === "waiting") {
      if (c.lastTermination === undefined) waitingFirst++;
      else running++; // in back-off between restarts: still a running Pod
    } else {
      stopped++;
      if (c.state.exitCode !== 0) failed++;
    }
  }
  if (waitingFirst > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped === 0) return "Pending";
  if (restartPolicy === "Always") return "Running";
  if (restartPolicy === "OnFailure") return failed > 0 ? "Running" : "Succeeded";
  return failed > 0 ? "Failed" : "Succeeded";
}

function stateJson(state: ContainerState | (Termination & { kind?: "terminated" })): V1ContainerState {
  if (state.kind === "waiting") {
    return {
      waiting: { reason: state.reason, ...(state.message === undefined ? {} : { message: state.message }) },
    };
  }
  if (state.kind === "running") return { running: { startedAt: state.startedAt } };
  return {
    terminated: {
      exitCode: state.exitCode,
      ...(state.signal === undefined ? {} : { signal: state.signal }),
      reason: state.reason,
      ...(state.message === undefined || state.message === "" ? {} : { message: state.message }),
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      containerID: state.containerID,
    },
  };
}

/** One `containerStatuses[]` entry. */
export function containerStatus(record: ContainerRecord): V1ContainerStatus {
  const { state } = record;
  const containerID = state.kind === "waiting" ? record.lastTermination?.containerID : state.containerID;
  return {
    name: record.name,
    image: record.image,
    imageID: "",
    ...(containerID === undefined ? {} : { containerID }),
    ready: record.ready,
    started: record.started,
    restartCount: record.restartCount,
    state: stateJson(state),
    lastState: record.lastTermination ? stateJson({ ...record.lastTermination, kind: "terminated" }) : {},
  };
}

function condition(
  type: string,
  ok: boolean,
  input: PodStatusInput,
  reason?: string,
  message?: string,
): V1PodCondition {
  const status = ok ? "True" : "False";
  const previous = input.previousConditions?.find((c) => c.type === type);
  return {
    type,
    status,
    lastTransitionTime:
      previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : input.now,
    ...(ok || reason === undefined ? {} : { reason }),
    ...(ok || message === undefined ? {} : { message }),
  };
}

/** The whole Pod status the agent writes with the status subresource. */
export function buildPodStatus(input: PodStatusInput): V1PodStatus {
  const phase = podPhase(input);
  const isInitialized = initialized(input.initContainers);
  const unready = input.containers.filter((c) => !c.ready).map((c) => c.name);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const readyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const notInit = input.initContainers.filter((c) => !succeeded(c)).map((c) => c.name);
  const status: V1PodStatus = {
    phase,
    conditions: [
      condition("PodScheduled", true, input),
      condition(
        "Initialized",
        isInitialized,
        input,
        "ContainersNotInitialized",
        `containers with incomplete status: [${notInit.join(" ")}]`,
      ),
      condition("ContainersReady", unready.length === 0, input, readyReason, readyMessage),
      condition("Ready", unready.length === 0, input, readyReason, readyMessage),
    ],
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: input.startTime,
    initContainerStatuses: input.initContainers.map(containerStatus),
    containerStatuses: input.containers.map(containerStatus),
    ...(input.failed ? { reason: input.failed.reason, message: input.failed.message } : {}),
  };
  if (input.podIP !== undefined) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  return status;
}
