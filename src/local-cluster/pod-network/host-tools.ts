import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { quoteLikeGo } from "../../errors/index.ts";
import { PodNetworkError } from "./pod-network-error.ts";

/** Absolute paths of the host programs the pod network runs; found once, so a Pod's PATH never matters. */
export interface HostTools {
  readonly ip: string;
  readonly nsenter: string;
  readonly unshare: string;
  readonly setpriv: string;
  readonly mount: string;
  readonly umount: string;
  readonly mkdir: string;
  readonly sh: string;
  /** Sets a Pod's hostname inside its new UTS namespace. */
  readonly hostname: string;
}

// Root's usual PATH; the test runner's PATH may lack the sbin folders where `ip` lives.
const searchDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function findTool(name: string): string {
  for (const dir of searchDirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new PodNetworkError(
    `host tool ${name} not found in ${searchDirs.join(":")}; install iproute2, util-linux and hostname`,
    { code: "HOST_TOOL_MISSING" },
  );
}

let found: HostTools | undefined;

/** The host tools, looked up on first use. */
export function hostTools(): HostTools {
  found ??= {
    ip: findTool("ip"),
    nsenter: findTool("nsenter"),
    unshare: findTool("unshare"),
    setpriv: findTool("setpriv"),
    mount: findTool("mount"),
    umount: findTool("umount"),
    mkdir: findTool("mkdir"),
    sh: findTool("sh"),
    hostname: findTool("hostname"),
  };
  return found;
}

/** Options of {@link runHostCommand}. */
export interface RunHostCommandOptions {
  /** Written to the command's standard input (for `ip -batch -`). Default: nothing. */
  readonly input?: string;
  /** Kill the command after this long. Default 15 s. */
  readonly timeoutMs?: number;
}

/**
 * Runs a host command with an empty environment and resolves its stdout; rejects with
 * `HOST_COMMAND_FAILED` naming the command and the first line of its stderr.
 */
export function runHostCommand(
  file: string,
  args: readonly string[],
  options: RunHostCommandOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: {}, timeout: options.timeoutMs ?? 15_000, killSignal: "SIGKILL", encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const firstLine = stderr.trim().split("\n")[0] || error.message.split("\n")[0] || "failed";
        const command = [file, ...args.slice(0, 6)].map((word) => quoteLikeGo(word)).join(" ");
        reject(
          new PodNetworkError(`${command}: ${firstLine}`, { code: "HOST_COMMAND_FAILED", cause: error }),
        );
      },
    );
    // A command that never reads its input may exit first; its closed pipe is not an error of ours.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/** Like {@link runHostCommand}, but a failure only goes to `log`: for cleanup, where the thing may be gone. */
export async function tryHostCommand(
  file: string,
  args: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  try {
    await runHostCommand(file, args);
  } catch (error) {
    log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
}
