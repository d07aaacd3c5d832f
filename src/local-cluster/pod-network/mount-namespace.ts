import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { HostTools } from "./host-tools.ts";
import type { MountPlan } from "./mount-plan.ts";
import { PodNetworkError } from "./pod-network-error.ts";

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The setup script. Every path arrives as a positional parameter, never inside the script text; it sets no
 * variable and runs with an empty environment. Steps: `detach D` (lazily unmount D: the persisted
 * namespaces of other processes must not be pinned by this one), `tmpfs P`, `mkdir P`, `touch P`,
 * `bind SRC DST`, `readonly P`, `hide D` (an empty root-only tmpfs over the data folder).
 */
function setupScript(tools: HostTools): string {
  const mount = shellQuote(tools.mount);
  return [
    "set -eu",
    "umask 022",
    'while [ "$#" -gt 0 ]; do',
    '  case "$1" in',
    `    detach) ${shellQuote(tools.umount)} --lazy -- "$2"; shift 2 ;;`,
    `    tmpfs) ${mount} -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$2"; shift 2 ;;`,
    `    mkdir) ${shellQuote(tools.mkdir)} -p -- "$2"; shift 2 ;;`,
    '    touch) : >> "$2"; shift 2 ;;',
    `    bind) ${mount} --bind -- "$2" "$3"; shift 3 ;;`,
    `    readonly) ${mount} -o remount,bind,ro -- "$2"; shift 2 ;;`,
    `    hide) ${mount} -t tmpfs -o mode=0700,nosuid,nodev,noexec tmpfs "$2"; shift 2 ;;`,
    '    *) echo "unknown step" >&2; exit 2 ;;',
    "  esac",
    "done",
  ].join("\n");
}

/**
 * Makes a private mount namespace laid out as `plan` says and pins it at `nsFile` (on the data folder's
 * private bind mount), for `nsenter --mount=nsFile`. A separate step rather than a shell in front of the
 * workload because a shell rewrites the environment it passes on (dash drops names like `a-b`, resets
 * IFS, sets PWD), and the Pod's environment must arrive exactly as given. Synchronous, because
 * `startProcess` returns its ChildProcess at once; it takes a few milliseconds.
 */
export function prepareMountNamespace(tools: HostTools, nsFile: string, plan: MountPlan): void {
  // The one thing made on the host: an empty /run/secrets to mount the tmpfs on.
  for (const root of plan.secretRoots) mkdirSync(root, { recursive: true, mode: 0o755 });
  writeFileSync(nsFile, "", { mode: 0o600 });
  const result = spawnSync(
    tools.unshare,
    [
      `--mount=${nsFile}`,
      "--propagation",
      "private",
      tools.sh,
      "-c",
      setupScript(tools),
      "sh",
      ...plan.words,
    ],
    { env: {}, cwd: "/", encoding: "utf8", timeout: 15_000, killSignal: "SIGKILL", stdio: "pipe" },
  );
  if (result.status === 0) return;
  releaseMountNamespace(tools, nsFile);
  const reason =
    result.error?.message ??
    (result.stderr.trim().split("\n")[0] || `exit ${result.status ?? result.signal}`);
  throw new PodNetworkError(`preparing the Pod's mount namespace failed: ${reason}`, {
    code: "MOUNT_SETUP_FAILED",
    cause: result.error,
  });
}

/** Unpins a namespace made by {@link prepareMountNamespace}; it lives on while a process is in it. */
export function releaseMountNamespace(tools: HostTools, nsFile: string): void {
  spawnSync(tools.umount, [nsFile], { env: {}, stdio: "ignore", timeout: 15_000 });
  rmSync(nsFile, { force: true });
}
