import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createPodNetwork, type PodNetwork } from "../../src/local-cluster/pod-network/index.ts";
import { ended, lineFrom } from "../helpers/pod-workload.ts";

// An owner that dies without close() leaves a bridge, namespaces, processes and its record; the next
// createPodNetwork that claims that number removes them.

const podNetworkIndex = new URL("../../src/local-cluster/pod-network/index.ts", import.meta.url).pathname;

/** Runs as a separate Node process (type stripping loads the sources): a network, a Pod, a sleeper. */
const ownerScript = `
const { createPodNetwork } = await import(process.argv[1]);
const network = await createPodNetwork();
const sandbox = await network.createSandbox("stale-pod", { hostname: "stale-pod" });
const sleeper = sandbox.startProcess({ argv: [process.execPath, "-e", "setInterval(() => {}, 1000)"], env: {}, mounts: [] });
console.log(JSON.stringify({ bridge: network.bridge, sleeperPid: sleeper.pid }));
setInterval(() => {}, 1000);
`;

/** Running and not a zombie: a zombie has exited, only its parent has not reaped it yet. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Mount points in this (the host's) mount namespace under network N's data folder. */
const mountsOf = (n: number) =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`/run/spirl-local-cluster/${n}.d`));

const ip = (...args: string[]) => execFileSync("/usr/sbin/ip", args, { encoding: "utf8" });

describe("stale pod networks", () => {
  it("removes what a dead owner left when its number is claimed again", async () => {
    const owner = spawn(process.execPath, ["--input-type=module", "-e", ownerScript, podNetworkIndex], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const claimed: PodNetwork[] = [];
    let sleeperPid: number | undefined;
    try {
      const left = JSON.parse(await lineFrom(owner, /^\{/, 30_000)) as { bridge: string; sleeperPid: number };
      sleeperPid = left.sleeperPid;
      const n = Number(left.bridge.replace("spirlbr", ""));
      owner.kill("SIGKILL");
      await ended(owner);
      expect(readFileSync(`/run/spirl-local-cluster/${n}`, "utf8").trim()).toBe(String(owner.pid));
      expect(ip("netns", "list")).toContain(`spirl${n}-stalepod`);
      expect(isRunning(left.sleeperPid)).toBe(true);
      // The data folder's own bind mount and the Pod's pinned UTS namespace.
      expect(mountsOf(n)).toEqual(
        expect.arrayContaining([
          `/run/spirl-local-cluster/${n}.d`,
          `/run/spirl-local-cluster/${n}.d/ns/spirl${n}-stalepod-uts`,
        ]),
      );

      // Other test files may hold or free lower numbers meanwhile: claim until the dead owner's comes up.
      for (let attempt = 0; attempt < 250 && claimed.at(-1)?.bridge !== left.bridge; attempt++)
        claimed.push(await createPodNetwork());
      expect(claimed.at(-1)?.bridge).toBe(left.bridge);
      expect(readFileSync(`/run/spirl-local-cluster/${n}`, "utf8").trim()).toBe(String(process.pid));
      expect(ip("netns", "list")).not.toContain(`spirl${n}-`);
      // Only the new owner's own data folder mount: no namespace pinned by the dead owner.
      expect(mountsOf(n)).toEqual([`/run/spirl-local-cluster/${n}.d`]);
      expect(ip("-o", "link", "show")).not.toMatch(new RegExp(`spirl${n}v\\d+`));
      const deadline = Date.now() + 10_000;
      while (isRunning(left.sleeperPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(isRunning(left.sleeperPid)).toBe(false);
    } finally {
      owner.kill("SIGKILL");
      if (sleeperPid !== undefined && isRunning(sleeperPid)) process.kill(sleeperPid, "SIGKILL");
      for (const network of claimed) await network.close();
    }
  });
});
