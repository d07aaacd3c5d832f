import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import type { CoreV1Api, V1Container, V1Pod, V1PodCondition, V1Probe } from "@kubernetes/client-node";
import type { PodNetwork, PodSandbox, SandboxMount } from "../pod-network/index.ts";
import { ContainerLogWriter, parseLogLine } from "./container-log.ts";
import { type ImageTable, imageUser, resolveProgram } from "./image-table.ts";
import { isNodeAgentError } from "./node-agent-error.ts";
import { type PodApi, podApi } from "./pod-api.ts";
import { podHostname } from "./pod-hostname.ts";
import { buildPodStatus, type ContainerRecord, type ContainerState, type Termination } from "./pod-status.ts";
import { type PodVolumes, writePodVolumes } from "./pod-volumes.ts";
import { expandVars, resolveEnv } from "./resolve-env.ts";
import { runProbe } from "./run-probe.ts";

/** What every Pod's worker shares with the node agent. */
export interface PodWorkerDeps {
  readonly nodeName: string;
  readonly hostIP: string;
  readonly core: CoreV1Api;
  readonly network: PodNetwork;
  readonly images: ImageTable;
  readonly apiServerForPods: { readonly host: string; readonly port: number };
  readonly podDefaults?: {
    readonly env?: Readonly<Record<string, string>>;
    readonly files?: readonly { readonly hostPath: string; readonly containerPath: string }[];
  };
  readonly logDir: string;
  /** Longest wait between restarts of a crashing container. The kubelet's is 5 min; tests want ~10 s. */
  readonly maxRestartBackoffMs: number;
  readonly log: (line: string) => void;
}

/** One container's life inside the worker. */
interface Runtime {
  readonly spec: V1Container;
  readonly init: boolean;
  state: ContainerState;
  lastTermination?: Termination;
  restartCount: number;
  ready: boolean;
  started: boolean;
  child?: ChildProcess | undefined;
  /** Log files by run (index = restart count at start). */
  readonly logs: (ContainerLogWriter | string)[];
  backoffMs: number;
  timers: Set<NodeJS.Timeout>;
  /** Resolves when the current run has ended (its streams closed). */
  ended?: Promise<void>;
}

const defaultTerminationMessagePath = "/dev/termination-log";
// What a restarted container's last message keeps at most (the kubelet: 4096 bytes, 80 log lines).
const messageBytes = 4096;
const fallbackLines = 80;

function signalNumber(signal: NodeJS.Signals | null): number | undefined {
  return signal === null ? undefined : constants.signals[signal];
}

/**
 * Runs one Pod bound to this node, as the kubelet's pod worker does: sandbox, volumes, the init containers
 * one by one, then every main container; restarts per `restartPolicy` with back-off; probes; deadline;
 * and on deletion SIGTERM, the grace period, SIGKILL, sandbox teardown, and the final delete. Every change
 * is written as a whole status with the status subresource (one write at a time, the latest wins).
 */
export class PodWorker {
  readonly uid: string;
  #pod: V1Pod;
  readonly #deps: PodWorkerDeps;
  readonly #api: PodApi;
  readonly #runtimes: Runtime[];
  #sandbox?: PodSandbox;
  #volumes?: PodVolumes;
  #startTime = new Date();
  #failed?: { reason: string; message: string };
  #conditions: V1PodCondition[] = [];
  #terminating?: Promise<void>;
  /** Set once nothing more will run: containers ended for good or the Pod is being deleted. */
  #finished = false;
  #torndown?: Promise<void>;
  #statusWanted = false;
  #statusWriting?: Promise<void> | undefined;
  #deadline?: NodeJS.Timeout;
  #eventsSent = new Set<string>();

  constructor(pod: V1Pod, deps: PodWorkerDeps) {
    this.#pod = pod;
    this.#deps = deps;
    this.uid = pod.metadata?.uid ?? "";
    this.#api = podApi(deps.core, pod, deps.nodeName);
    const runtime = (spec: V1Container, init: boolean): Runtime => ({
      spec,
      init,
      state: {
        kind: "waiting",
        reason:
          init || (pod.spec?.initContainers ?? []).length === 0 ? "ContainerCreating" : "PodInitializing",
      },
      restartCount: 0,
      ready: false,
      started: false,
      logs: [],
      backoffMs: 0,
      timers: new Set(),
    });
    this.#runtimes = [
      ...(pod.spec?.initContainers ?? []).map((c) => runtime(c, true)),
      ...(pod.spec?.containers ?? []).map((c) => runtime(c, false)),
    ];
  }

  get #name(): string {
    return `${this.#pod.metadata?.namespace}/${this.#pod.metadata?.name}`;
  }

  get #restartPolicy(): string {
    return this.#pod.spec?.restartPolicy ?? "Always";
  }

  /** The log of one container run: the current one, or the one before it (`previous`). */
  findLog(
    container: string,
    previous: boolean,
  ): { file: string; writer?: ContainerLogWriter } | { notFound: string } {
    const runtime = this.#runtimes.find((r) => r.spec.name === container);
    if (runtime === undefined)
      return { notFound: `container ${container} is not valid for pod ${this.#pod.metadata?.name}` };
    const index = runtime.logs.length - (previous ? 2 : 1);
    const entry = runtime.logs[index];
    if (entry === undefined) {
      return {
        notFound: previous
          ? `previous terminated container "${container}" in pod "${this.#pod.metadata?.name}" not found`
          : `container "${container}" in pod "${this.#pod.metadata?.name}" is waiting to start: ${runtime.state.kind === "waiting" ? runtime.state.reason : "ContainerCreating"}`,
      };
    }
    return typeof entry === "string"
      ? { file: entry }
      : entry.closed
        ? { file: entry.file }
        : { file: entry.file, writer: entry };
  }

  /** A newer version of the Pod from the watch. */
  update(pod: V1Pod): void {
    this.#pod = pod;
    if (pod.metadata?.deletionTimestamp) void this.terminate({ deleted: false });
  }

  /** Runs the Pod; resolves when its containers have ended for good (or it was terminated). */
  async run(): Promise<void> {
    const pod = this.#pod;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      // Ended before this agent saw it: nothing runs again, but a delete still needs finishing.
      this.#finished = true;
      if (pod.metadata?.deletionTimestamp) await this.#api.deleteNow();
      return;
    }
    this.#startTime = pod.status?.startTime ? new Date(pod.status.startTime) : new Date();
    this.#requestStatus();
    try {
      this.#sandbox = await this.#deps.network.createSandbox(this.uid, { hostname: podHostname(pod) });
    } catch (error) {
      this.#warn("FailedCreatePodSandBox", `Failed to create pod sandbox: ${(error as Error).message}`);
      throw error;
    }
    if (this.#terminating) {
      // Deleted while the sandbox was being made: the teardown may have run before it existed.
      if (this.#torndown) await this.#sandbox.destroy();
      return;
    }
    this.#requestStatus();
    this.#armDeadline();
    while (!this.#volumes) {
      try {
        this.#volumes = await writePodVolumes({
          pod,
          root: join(this.#sandbox.dir, "volumes"),
          podIP: this.#sandbox.ip,
          hostIP: this.#deps.hostIP,
          core: this.#deps.core,
          lookup: (kind, name) => this.#api.lookup(kind, name),
          onRefreshError: (error) =>
            this.#warn("FailedMount", `token refresh failed: ${(error as Error).message}`),
        });
      } catch (error) {
        this.#warn("FailedMount", `MountVolume.SetUp failed: ${(error as Error).message}`);
        if (!(await this.#pause(2000))) return;
      }
      if (this.#terminating || this.#finished) {
        // Deleted while the volumes were written: the teardown ran before they existed, so stop their
        // token renewals here, or they would ask for tokens of a Pod that is gone, for ever.
        this.#volumes?.stop();
        return;
      }
    }
    for (const runtime of this.#runtimes.filter((r) => r.init)) {
      const ok = await this.#runInit(runtime);
      if (!ok || this.#finished || this.#terminating) return this.#maybeFinish();
    }
    for (const runtime of this.#runtimes.filter((r) => !r.init)) void this.#start(runtime);
  }

  /** Waits `ms` unless the Pod ends first; false when it ended. */
  #pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.#finished && !this.#terminating), ms);
      timer.unref();
    });
  }

  #armDeadline(): void {
    const seconds = this.#pod.spec?.activeDeadlineSeconds;
    if (seconds === undefined) return;
    const left = this.#startTime.getTime() + seconds * 1000 - Date.now();
    this.#deadline = setTimeout(
      () => {
        if (this.#finished || this.#terminating) return;
        this.#failed = {
          reason: "DeadlineExceeded",
          message: `Pod was active on the node longer than the specified deadline`,
        };
        this.#warn("DeadlineExceeded", this.#failed.message);
        void this.#stopAll(this.#gracePeriodSeconds()).then(() => this.#finish());
      },
      Math.max(0, left),
    );
    this.#deadline.unref();
  }

  #gracePeriodSeconds(): number {
    return (
      this.#pod.metadata?.deletionGracePeriodSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30
    );
  }

  /** Runs one init container until it exits 0; retries per policy. False when the Pod will not go on. */
  async #runInit(runtime: Runtime): Promise<boolean> {
    for (;;) {
      const started = await this.#start(runtime);
      if (!started) return false;
      await runtime.ended;
      if (runtime.state.kind === "terminated" && runtime.state.exitCode === 0) return true;
      if (this.#finished || this.#terminating) return false;
      // The restart (if any) was scheduled by #onEnded; wait for it to produce a new run.
      if (this.#restartPolicy === "Never") return false;
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (runtime.child !== undefined || this.#finished || this.#terminating) {
            clearInterval(check);
            resolve();
          }
        }, 100);
      });
      if (this.#finished || this.#terminating) return false;
      await runtime.ended;
      if (runtime.state.kind === "terminated" && runtime.state.exitCode === 0) return true;
    }
  }

  /** Starts one run of a container; false when it could not (and will not be retried). */
  async #start(runtime: Runtime): Promise<boolean> {
    const sandbox = this.#sandbox;
    if (sandbox === undefined || this.#finished || this.#terminating) return false;
    const { spec } = runtime;
    const pod = this.#pod;
    let env: Record<string, string>;
    try {
      env = await resolveEnv(spec, {
        pod,
        podIP: sandbox.ip,
        hostIP: this.#deps.hostIP,
        apiServer: this.#deps.apiServerForPods,
        ...(this.#deps.podDefaults?.env === undefined ? {} : { defaults: this.#deps.podDefaults.env }),
        secret: async (name) => text(await this.#api.lookup("Secret", name)),
        configMap: async (name) => text(await this.#api.lookup("ConfigMap", name)),
      });
    } catch (error) {
      if (!isNodeAgentError(error))
        this.#deps.log(`${this.#name}: env of ${spec.name}: ${(error as Error).message}`);
      return this.#refuse(runtime, "CreateContainerConfigError", (error as Error).message, true);
    }
    let argv: readonly string[];
    try {
      argv = resolveProgram(this.#deps.images, {
        name: spec.name,
        ...(spec.image === undefined ? {} : { image: spec.image }),
        ...(spec.command === undefined ? {} : { command: spec.command.map((a) => expandVars(a, env)) }),
        ...(spec.args === undefined ? {} : { args: spec.args.map((a) => expandVars(a, env)) }),
      });
    } catch (error) {
      return this.#refuse(runtime, "CreateContainerError", (error as Error).message, false);
    }
    const security = { ...pod.spec?.securityContext, ...spec.securityContext };
    // Who it runs as: the Pod's securityContext, else the image's USER (as a container runtime does).
    const user = imageUser(this.#deps.images, spec.image ?? "");
    const uid = security.runAsUser ?? user?.uid;
    const gid = security.runAsGroup ?? user?.gid;
    if (security.runAsNonRoot === true && (uid === undefined || uid === 0))
      return this.#refuse(
        runtime,
        "CreateContainerConfigError",
        `container has runAsNonRoot and image will run as root (pod: "${this.#name}", container: ${spec.name})`,
        true,
      );
    const run = runtime.restartCount;
    const containerID = `spirl://${this.uid}/${spec.name}/${run}`;
    const termFile = join(sandbox.dir, "termination", `${spec.name}-${run}`);
    const mounts: SandboxMount[] = [
      ...(spec.volumeMounts ?? []).map((m) => ({
        hostPath: join(sandbox.dir, "volumes", m.name, m.subPath ?? ""),
        containerPath: m.mountPath,
        readOnly: m.readOnly === true,
      })),
      ...(this.#deps.podDefaults?.files ?? []).map((f) => ({ ...f, readOnly: true })),
    ];
    const termPath = spec.terminationMessagePath ?? defaultTerminationMessagePath;
    // Only where a bind mount can land without touching the host: /dev is not ours to add files to.
    if (/^\/(var\/)?run\/secrets\//.test(termPath)) {
      await mkdir(join(sandbox.dir, "termination"), { recursive: true });
      await writeFile(termFile, "", { mode: 0o666 });
      mounts.push({ hostPath: termFile, containerPath: termPath, readOnly: false });
    }
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    const groups = [
      ...(pod.spec?.securityContext?.supplementalGroups ?? []),
      ...(fsGroup === undefined ? [] : [fsGroup]),
    ];
    const logFile = join(
      this.#deps.logDir,
      `${pod.metadata?.namespace}_${pod.metadata?.name}_${this.uid}`,
      spec.name,
      `${run}.log`,
    );
    // Env, Secrets and files were awaited: the Pod may have been deleted meanwhile.
    if (this.#finished || this.#terminating) return false;
    const writer = new ContainerLogWriter(logFile);
    let child: ChildProcess;
    try {
      child = sandbox.startProcess({
        argv,
        env,
        mounts,
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
        ...(groups.length === 0 ? {} : { supplementalGroups: groups }),
      });
    } catch (error) {
      writer.close();
      return this.#refuse(runtime, "CreateContainerError", (error as Error).message, false);
    }
    runtime.logs[run] = writer;
    runtime.child = child;
    const startedAt = new Date();
    runtime.state = { kind: "running", startedAt, containerID };
    runtime.started = spec.startupProbe === undefined;
    runtime.ready = runtime.init ? false : spec.readinessProbe === undefined && runtime.started;
    if (child.stdout) writer.attach(child.stdout, "stdout");
    if (child.stderr) writer.attach(child.stderr, "stderr");
    if (!child.stdout && !child.stderr) writer.close();
    runtime.ended = new Promise<void>((resolve) => {
      let spawnError: Error | undefined;
      child.once("error", (error) => {
        spawnError = error;
      });
      child.once("close", (code, signal) => {
        void this.#onEnded(runtime, child, {
          code,
          signal,
          spawnError,
          startedAt,
          containerID,
          termFile,
          writer,
        }).then(resolve);
      });
    });
    this.#event("Normal", "Started", `Started container ${spec.name}`);
    if (!runtime.init) this.#startProbes(runtime, child);
    this.#requestStatus();
    return true;
  }

  /** A container that cannot be created: waiting with the reason, a Warning event, and back-off or the end. */
  #refuse(runtime: Runtime, reason: string, message: string, configError: boolean): boolean {
    runtime.state = { kind: "waiting", reason, message };
    this.#warn("Failed", `Error: ${message}`);
    // The kubelet keeps retrying config errors (a Secret may appear); a refused image never changes.
    if (!configError && this.#restartPolicy === "Never") {
      this.#failed = { reason, message };
      void this.#stopAll(0).then(() => this.#finish());
      return false;
    }
    this.#scheduleRestart(runtime, false);
    this.#requestStatus();
    return true;
  }

  async #onEnded(
    runtime: Runtime,
    child: ChildProcess,
    run: {
      code: number | null;
      signal: NodeJS.Signals | null;
      spawnError: Error | undefined;
      startedAt: Date;
      containerID: string;
      termFile: string;
      writer: ContainerLogWriter;
    },
  ): Promise<void> {
    if (runtime.child !== child) return;
    runtime.child = undefined;
    for (const timer of runtime.timers) clearTimeout(timer);
    runtime.timers.clear();
    run.writer.close();
    const signal = signalNumber(run.signal);
    const exitCode = run.code ?? (signal === undefined ? 128 : 128 + signal);
    let message = run.spawnError?.message ?? (await readFile(run.termFile, "utf8").catch(() => ""));
    if (
      message === "" &&
      exitCode !== 0 &&
      runtime.spec.terminationMessagePolicy === "FallbackToLogsOnError"
    ) {
      message = await lastLogLines(run.writer.file);
    }
    const termination: Termination = {
      exitCode,
      ...(signal === undefined ? {} : { signal }),
      reason: exitCode === 0 ? "Completed" : "Error",
      ...(message === "" ? {} : { message: message.slice(-messageBytes) }),
      startedAt: run.startedAt,
      finishedAt: new Date(),
      containerID: run.containerID,
    };
    runtime.state = { kind: "terminated", ...termination };
    runtime.lastTermination = termination;
    runtime.ready = runtime.init && exitCode === 0;
    runtime.started = false;
    if (runtime.init && exitCode === 0) {
      this.#requestStatus();
      return;
    }
    const restart =
      !this.#terminating &&
      !this.#finished &&
      (this.#restartPolicy === "Always" ||
        (this.#restartPolicy === "OnFailure" && exitCode !== 0) ||
        (runtime.init && this.#restartPolicy !== "Never" && exitCode !== 0));
    const ranMs = termination.finishedAt.getTime() - run.startedAt.getTime();
    if (restart) this.#scheduleRestart(runtime, ranMs > 60_000);
    this.#requestStatus();
    this.#maybeFinish();
  }

  /** Back-off, then the container's next run; while waiting it reports CrashLoopBackOff. */
  #scheduleRestart(runtime: Runtime, reset: boolean): void {
    runtime.backoffMs =
      reset || runtime.backoffMs === 0
        ? 1000
        : Math.min(runtime.backoffMs * 2, this.#deps.maxRestartBackoffMs);
    const delay = runtime.backoffMs;
    if (runtime.lastTermination !== undefined) {
      const pod = this.#pod.metadata;
      runtime.state = {
        kind: "waiting",
        reason: "CrashLoopBackOff",
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${runtime.spec.name} pod=${pod?.name}_${pod?.namespace}(${this.uid})`,
      };
      this.#event("Warning", "BackOff", "Back-off restarting failed container");
    }
    const timer = setTimeout(() => {
      runtime.timers.delete(timer);
      if (this.#finished || this.#terminating) return;
      if (runtime.lastTermination !== undefined) runtime.restartCount++;
      void this.#start(runtime);
    }, delay);
    timer.unref();
    runtime.timers.add(timer);
  }

  #startProbes(runtime: Runtime, child: ChildProcess): void {
    const { spec } = runtime;
    const probe = (kind: "startup" | "liveness" | "readiness", config: V1Probe | undefined) => {
      if (config === undefined) return;
      let successes = 0;
      let failures = 0;
      const schedule = (ms: number) => {
        const timer = setTimeout(() => {
          runtime.timers.delete(timer);
          void tick();
        }, ms);
        timer.unref();
        runtime.timers.add(timer);
      };
      const period = (config.periodSeconds ?? 10) * 1000;
      const tick = async () => {
        if (runtime.child !== child || this.#terminating) return;
        if (kind === "startup" && runtime.started) return;
        if (kind !== "startup" && !runtime.started) return schedule(period);
        const result = await runProbe(config, this.#sandbox?.ip ?? "127.0.0.1", spec);
        if (runtime.child !== child || this.#terminating) return;
        if (result.ok) {
          failures = 0;
          successes++;
          if (kind === "readiness" && successes >= (config.successThreshold ?? 1) && !runtime.ready) {
            runtime.ready = true;
            this.#requestStatus();
          }
          if (kind === "startup") {
            runtime.started = true;
            if (spec.readinessProbe === undefined) runtime.ready = true;
            this.#requestStatus();
            return;
          }
        } else {
          successes = 0;
          failures++;
          this.#event(
            "Warning",
            "Unhealthy",
            `${kind[0]?.toUpperCase()}${kind.slice(1)} probe failed: ${result.message}`,
          );
          if (failures >= (config.failureThreshold ?? 3)) {
            if (kind === "readiness") {
              if (runtime.ready) {
                runtime.ready = false;
                this.#requestStatus();
              }
            } else {
              this.#event(
                "Normal",
                "Killing",
                `Container ${spec.name} failed ${kind} probe, will be restarted`,
              );
              void this.#stopChild(
                runtime,
                config.terminationGracePeriodSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30,
              );
              return;
            }
          }
        }
        schedule(period);
      };
      schedule((config.initialDelaySeconds ?? 0) * 1000);
    };
    probe("startup", spec.startupProbe);
    probe("liveness", spec.livenessProbe);
    probe("readiness", spec.readinessProbe);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the run has ended. */
  async #stopChild(runtime: Runtime, graceSeconds: number): Promise<void> {
    const child = runtime.child;
    const ended = runtime.ended;
    if (child === undefined || ended === undefined) return;
    child.kill(graceSeconds > 0 ? "SIGTERM" : "SIGKILL");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceSeconds * 1000);
    timer.unref();
    await ended;
    clearTimeout(timer);
  }

  async #stopAll(graceSeconds: number): Promise<void> {
    for (const runtime of this.#runtimes) {
      for (const timer of runtime.timers) clearTimeout(timer);
      runtime.timers.clear();
    }
    await Promise.all(this.#runtimes.map((r) => this.#stopChild(r, graceSeconds)));
  }

  /** Ends the Pod when no container runs and none will restart. */
  #maybeFinish(): void {
    if (this.#finished || this.#terminating) return;
    const status = this.#status();
    if (status.phase === "Succeeded" || status.phase === "Failed") void this.#finish();
  }

  /** The Pod ran to its end: tear the sandbox down; the logs stay for `kubectl logs`. */
  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#teardown();
    this.#requestStatus();
  }

  #teardown(): Promise<void> {
    this.#torndown ??= (async () => {
      if (this.#deadline) clearTimeout(this.#deadline);
      this.#volumes?.stop();
      await this.#sandbox?.destroy();
    })();
    return this.#torndown;
  }

  /**
   * Stops the Pod: SIGTERM to every container, SIGKILL after the grace period, the sandbox removed. When the
   * Pod was deleted gracefully (`deleted: false`, it still exists), it is then deleted for good (grace 0,
   * uid precondition), as the kubelet finishes a graceful delete. Safe to call more than once.
   */
  terminate(options: { deleted: boolean }): Promise<void> {
    this.#terminating ??= (async () => {
      const grace = options.deleted ? 0 : this.#gracePeriodSeconds();
      if (this.#runtimes.some((r) => r.child)) this.#event("Normal", "Killing", "Stopping container");
      await this.#stopAll(grace);
      await this.#statusWriting?.catch(() => {});
      this.#finished = true;
      await this.#teardown();
      if (!options.deleted) await this.#api.deleteNow();
    })();
    return this.#terminating;
  }

  #status() {
    const record = (r: Runtime): ContainerRecord => ({
      name: r.spec.name,
      image: r.spec.image ?? "",
      state: r.state,
      ...(r.lastTermination && r.state.kind !== "terminated" ? { lastTermination: r.lastTermination } : {}),
      restartCount: r.restartCount,
      ready: r.ready,
      started: r.started,
    });
    return buildPodStatus({
      restartPolicy: this.#restartPolicy,
      initContainers: this.#runtimes.filter((r) => r.init).map(record),
      containers: this.#runtimes.filter((r) => !r.init).map(record),
      ...(this.#sandbox ? { podIP: this.#sandbox.ip } : {}),
      hostIP: this.#deps.hostIP,
      startTime: this.#startTime,
      ...(this.#failed ? { failed: this.#failed } : {}),
      previousConditions: this.#conditions,
      now: new Date(),
    });
  }

  /** Asks for a status write; writes are serialized and coalesced, each with the state at its time. */
  #requestStatus(): void {
    if (this.#terminating && this.#finished) return;
    this.#statusWanted = true;
    if (this.#statusWriting) return;
    this.#statusWriting = (async () => {
      while (this.#statusWanted) {
        this.#statusWanted = false;
        const status = this.#status();
        this.#conditions = status.conditions ?? [];
        try {
          await this.#api.writeStatus(status);
        } catch (error) {
          this.#deps.log(`${this.#name}: status write failed: ${(error as Error).message}`);
        }
      }
      this.#statusWriting = undefined;
    })();
  }

  #warn(reason: string, message: string): void {
    this.#event("Warning", reason, message);
  }

  /** Records an event once per reason and message (the kubelet's recorder aggregates repeats). */
  #event(type: "Normal" | "Warning", reason: string, message: string): void {
    const key = `${type}/${reason}/${message}`;
    if (this.#eventsSent.has(key)) return;
    this.#eventsSent.add(key);
    this.#api.event(type, reason, message).catch((error: unknown) => {
      this.#deps.log(`${this.#name}: event ${reason} not recorded: ${(error as Error).message}`);
    });
  }
}

function text(data: Record<string, Buffer> | undefined): Record<string, string> | undefined {
  if (data === undefined) return undefined;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString("utf8")]));
}

/** FallbackToLogsOnError: the last lines the container wrote, as its termination message. */
async function lastLogLines(file: string): Promise<string> {
  const stored = await readFile(file, "utf8").catch(() => "");
  const lines = stored
    .split("\n")
    .flatMap((line) => {
      const entry = line === "" ? undefined : parseLogLine(line);
      return entry ? [`${entry.text}${entry.partial ? "" : "\n"}`] : [];
    })
    .slice(-fallbackLines)
    .join("");
  return lines.slice(-messageBytes);
}
