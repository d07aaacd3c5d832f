import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { type HostTools, runHostCommand, tryHostCommand } from "./host-tools.ts";
import { bridgeName, dataDir, isHostVethOf, netnsPrefix, recordPath } from "./network-names.ts";

/** Pids in a network namespace (`ip netns pids`); none when it is gone. */
export async function netnsPids(tools: HostTools, netns: string): Promise<number[]> {
  try {
    const out = await runHostCommand(tools.ip, ["netns", "pids", netns]);
    return out
      .split("\n")
      .filter((line) => /^\d+$/.test(line.trim()))
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs every process in a network namespace; a pid that is already gone is fine. */
export async function killNetnsProcesses(tools: HostTools, netns: string): Promise<number[]> {
  const pids = await netnsPids(tools, netns);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return pids;
}

/**
 * Unmounts every persisted namespace in `<dataDir>/ns` (the processes' mount namespaces and the Pods' UTS
 * namespaces), then the data folder's own bind mount.
 */
export async function releaseDataDir(
  tools: HostTools,
  dir: string,
  log: (line: string) => void,
): Promise<void> {
  if (!existsSync(dir)) return;
  const nsDir = `${dir}/ns`;
  const entries = await readdir(nsDir).catch(() => [] as string[]);
  for (const entry of entries) await tryHostCommand(tools.umount, [`${nsDir}/${entry}`], log);
  await tryHostCommand(tools.umount, ["--lazy", dir], log);
  await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
    log(`cleanup: could not remove ${dir}: ${error instanceof Error ? error.message : String(error)}`),
  );
}

/**
 * Removes everything network N may have left on the host: processes in its namespaces, the namespaces,
 * host veths, the bridge, mounts, the data folder and the owner record. Call only while holding N's lock.
 */
export async function removeNetworkLeftovers(
  tools: HostTools,
  n: number,
  log: (line: string) => void,
): Promise<void> {
  const namespaces = (await runHostCommand(tools.ip, ["netns", "list"]))
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(netnsPrefix(n)));
  for (const netns of namespaces) {
    const killed = await killNetnsProcesses(tools, netns);
    if (killed.length > 0) log(`killed ${killed.length} leftover process(es) in ${netns}`);
    await tryHostCommand(tools.ip, ["netns", "delete", netns], log);
  }
  const links = (await runHostCommand(tools.ip, ["-o", "link", "show"]))
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? "")
    .filter((name) => name === bridgeName(n) || isHostVethOf(n, name));
  for (const link of links) await tryHostCommand(tools.ip, ["link", "delete", link], log);
  await releaseDataDir(tools, dataDir(n), log);
  await rm(recordPath(n), { force: true });
}
