import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { HostTools } from "./host-tools.ts";
import { prepareMountNamespace, releaseMountNamespace } from "./mount-namespace.ts";
import { planMounts, type SandboxMount } from "./mount-plan.ts";
import { PodNetworkError } from "./pod-network-error.ts";
import { killNetnsProcesses, netnsPids } from "./remove-network-leftovers.ts";
import { createSandboxLink, removeSandboxLink, type SandboxLink } from "./sandbox-netns.ts";
import { prepareUtsNamespace, releaseUtsNamespace } from "./uts-namespace.ts";

/** What {@link PodSandbox.startProcess} runs. */
export interface ProcessSpec {
  /** Host paths: `[process.execPath, "<repo>/dist/server.mjs", ...args]`; run as is, never through a shell. */
  readonly argv: readonly string[];
  /** The whole environment; nothing is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Bind mounts, made in the process's own mount namespace; containerPath must exist or be under /run/secrets. */
  readonly mounts: readonly SandboxMount[];
  /** Run as this uid (setpriv --reuid). Default: root. */
  readonly uid?: number;
  /** Run as this gid (setpriv --regid). Default: root's group. */
  readonly gid?: number;
  /** Supplementary groups (setpriv --groups); default none (--clear-groups) once any id is given. */
  readonly supplementalGroups?: readonly number[];
}

/** Options of {@link PodNetwork.createSandbox}. */
export interface SandboxOptions {
  /**
   * The Pod's hostname (an RFC 1123 label, at most 63 characters): its processes get their own UTS
   * namespace with this name, as the kubelet gives `spec.hostname` or the Pod name. Default: none, the
   * processes share the host's hostname.
   */
  readonly hostname?: string;
}

/** One Pod: a network namespace on the bridge, a host folder, and the processes started in it. */
export interface PodSandbox {
  readonly ip: string;
  /** Host folder for this Pod's files (volumes are written by the kubelet under `<dir>/volumes/<name>/`). */
  readonly dir: string;
  /**
   * Starts argv in the Pod's network namespace, its UTS namespace when it has a hostname, and its own
   * private mount namespace (each mount's hostPath bind-mounted at containerPath, read-only when asked),
   * as uid/gid when given. stdin is closed; stdout/stderr are pipes. The ChildProcess is the workload
   * itself (every wrapper execs), so its exit code and signal are the workload's; 126/127 with a
   * `nsenter:`/`setpriv:` stderr line mean argv[0] could not be executed. Throws a PodNetworkError for a bad spec or when the mounts cannot be made.
   */
  startProcess(spec: ProcessSpec): ChildProcess;
  /** Kills the Pod's processes (SIGKILL), removes its netns, veth and dir. Safe to call twice. */
  destroy(): Promise<void>;
}

/** What a sandbox needs from its network. */
export interface SandboxContext {
  readonly tools: HostTools;
  readonly link: SandboxLink;
  /** The network's data folder (private bind mount; `ns/` and `pods/` inside). */
  readonly dataDir: string;
  readonly log: (line: string) => void;
  /** Checked by the caller; see {@link SandboxOptions.hostname}. */
  readonly hostname?: string | undefined;
  /** Called once the sandbox is gone, to free its address. */
  readonly onDestroyed: () => void;
}

const isId = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value < 2 ** 32 - 1;

function checkSpec(spec: ProcessSpec): void {
  const argvOk =
    Array.isArray(spec.argv) && spec.argv.length > 0 && spec.argv.every((word) => typeof word === "string");
  if (!argvOk)
    throw new PodNetworkError("process argv: expected a non-empty list of strings", {
      code: "PROCESS_SPEC_INVALID",
    });
  for (const [field, value] of [
    ["uid", spec.uid],
    ["gid", spec.gid],
  ] as const)
    if (value !== undefined && !isId(value))
      throw new PodNetworkError(`process ${field}: expected an integer 0..4294967294, got ${String(value)}`, {
        code: "PROCESS_SPEC_INVALID",
      });
  if (spec.supplementalGroups !== undefined && !spec.supplementalGroups.every(isId))
    throw new PodNetworkError("process supplementalGroups: expected integers 0..4294967294", {
      code: "PROCESS_SPEC_INVALID",
    });
}

/** `setpriv …` in front of argv when the spec asks for other ids; nothing otherwise. */
function identityArgs(tools: HostTools, spec: ProcessSpec): string[] {
  const { uid, gid, supplementalGroups: groups } = spec;
  if (uid === undefined && gid === undefined && groups === undefined) return [];
  return [
    tools.setpriv,
    ...(uid === undefined ? [] : [`--reuid=${uid}`]),
    ...(gid === undefined ? [] : [`--regid=${gid}`]),
    groups === undefined || groups.length === 0 ? "--clear-groups" : `--groups=${groups.join(",")}`,
    "--",
  ];
}

/** Creates the sandbox's network link, folder and, for a hostname, its UTS namespace. */
export async function openPodSandbox(context: SandboxContext): Promise<PodSandbox> {
  const { tools, link, dataDir, log, hostname } = context;
  const dir = `${dataDir}/pods/${link.netns}`;
  // Pinned for the sandbox's whole life, unlike the per-process mount namespaces: every process of the
  // Pod shares one hostname. Mount files are `<netns>-<number>`, so this name never meets one of them.
  const utsFile = hostname === undefined ? undefined : `${dataDir}/ns/${link.netns}-uts`;
  await createSandboxLink(tools, link, log);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    if (utsFile !== undefined && hostname !== undefined) await prepareUtsNamespace(tools, utsFile, hostname);
  } catch (error) {
    await removeSandboxLink(tools, link, log);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const children = new Set<ChildProcess>();
  const pinned = new Set<string>();
  let started = 0;
  let destroying: Promise<void> | undefined;

  const startProcess = (spec: ProcessSpec): ChildProcess => {
    if (destroying !== undefined)
      throw new PodNetworkError(`sandbox ${link.netns} is destroyed`, { code: "CLOSED" });
    checkSpec(spec);
    const plan = planMounts(spec.mounts, dataDir);
    const nsFile = `${dataDir}/ns/${link.netns}-${++started}`;
    prepareMountNamespace(tools, nsFile, plan);
    pinned.add(nsFile);
    const unpin = () => {
      if (pinned.delete(nsFile)) releaseMountNamespace(tools, nsFile);
    };
    const args = [
      `--net=/run/netns/${link.netns}`,
      `--mount=${nsFile}`,
      ...(utsFile === undefined ? [] : [`--uts=${utsFile}`]),
      "--wd=/",
      "--",
      ...identityArgs(tools, spec),
      ...spec.argv,
    ];
    let child: ChildProcess;
    try {
      child = spawn(tools.nsenter, args, {
        env: { ...spec.env },
        cwd: "/",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      unpin();
      throw error;
    }
    children.add(child);
    const done = () => {
      children.delete(child);
      // The namespace only needs its pin until the process has entered it; once it has exited, unpin.
      unpin();
    };
    child.once("exit", done);
    child.once("error", done);
    return child;
  };

  const destroy = (): Promise<void> => {
    destroying ??= (async () => {
      for (const child of children) child.kill("SIGKILL");
      const deadline = Date.now() + 10_000;
      // Also whatever the workload forked: everything in the namespace goes.
      while ((await killNetnsProcesses(tools, link.netns)).length > 0 || children.size > 0) {
        if (Date.now() > deadline) {
          const left = await netnsPids(tools, link.netns);
          log(`sandbox ${link.netns}: processes still running after SIGKILL: ${left.join(" ")}`);
          break;
        }
        await sleep(25);
      }
      await removeSandboxLink(tools, link, log);
      for (const nsFile of [...pinned]) {
        pinned.delete(nsFile);
        releaseMountNamespace(tools, nsFile);
      }
      if (utsFile !== undefined) await releaseUtsNamespace(tools, utsFile);
      await rm(dir, { recursive: true, force: true });
      context.onDestroyed();
    })();
    return destroying;
  };

  return { ip: link.ip, dir, startProcess, destroy };
}
