import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPodNetwork,
  type PodNetwork,
  type PodSandbox,
} from "../../src/local-cluster/pod-network/index.ts";
import { ended, nodeScript } from "../helpers/pod-workload.ts";

// Each Pod's processes get their own UTS namespace with the Pod's hostname, as under a real kubelet.

const printHostname = nodeScript(`console.log(require("node:os").hostname())`);

/** Mount points in this (the host's) mount namespace under network N's `ns/` folder: the pinned namespaces. */
function pinnedNamespaces(network: PodNetwork): string[] {
  const nsDir = `/run/spirl-local-cluster/${network.bridge.replace("spirlbr", "")}.d/ns/`;
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(nsDir));
}

describe("pod sandbox hostname", () => {
  const hostHostname = hostname();
  let network: PodNetwork;
  let a: PodSandbox;
  let b: PodSandbox;
  let plain: PodSandbox;

  beforeAll(async () => {
    network = await createPodNetwork();
    [a, b, plain] = await Promise.all([
      network.createSandbox("uts-a", { hostname: "pod-a" }),
      network.createSandbox("uts-b", { hostname: "pod-b" }),
      network.createSandbox("uts-plain"),
    ]);
  });
  afterAll(async () => {
    await network?.close();
  });

  it("gives each Pod's processes its own hostname and leaves the host's alone", async () => {
    expect(await ended(a.startProcess({ argv: printHostname, env: {}, mounts: [] }))).toMatchObject({
      code: 0,
      stdout: "pod-a\n",
    });
    // Also after setpriv drops to another user: the namespace is entered before.
    const dropped = await ended(a.startProcess({ argv: printHostname, env: {}, mounts: [], uid: 65532 }));
    expect(dropped).toMatchObject({ code: 0, stdout: "pod-a\n" });
    expect((await ended(b.startProcess({ argv: printHostname, env: {}, mounts: [] }))).stdout).toBe(
      "pod-b\n",
    );
    // A sandbox made without a hostname shares the host's.
    expect((await ended(plain.startProcess({ argv: printHostname, env: {}, mounts: [] }))).stdout).toBe(
      `${hostHostname}\n`,
    );
    expect(hostname()).toBe(hostHostname);
    expect(readFileSync("/proc/sys/kernel/hostname", "utf8").trim()).toBe(hostHostname);
  });

  it("unpins the namespace when the sandbox is destroyed", async () => {
    const sandbox = await network.createSandbox("uts-gone", { hostname: "pod-gone" });
    const [utsFile, ...others] = pinnedNamespaces(network).filter((path) => path.includes("-utsgone-"));
    expect(others).toEqual([]);
    expect(utsFile).toMatch(/-utsgone-uts$/);
    expect(existsSync(utsFile ?? "")).toBe(true);
    await sandbox.destroy();
    expect(pinnedNamespaces(network)).not.toContain(utsFile);
    expect(existsSync(utsFile ?? "")).toBe(false);
    // The other Pods keep theirs.
    expect((await ended(a.startProcess({ argv: printHostname, env: {}, mounts: [] }))).stdout).toBe(
      "pod-a\n",
    );
  });

  it.each([
    ["upper case", "Pod-A"],
    ["an empty part", "pod..a"],
    ["a leading dash", "-pod"],
    ["a trailing dash", "pod-"],
    ["an underscore", "pod_a"],
    ["64 characters", "a".repeat(64)],
    ["nothing", ""],
  ])("refuses a hostname with %s", async (_, bad) => {
    await expect(network.createSandbox("uts-bad", { hostname: bad })).rejects.toMatchObject({
      name: "PodNetworkError",
      code: "HOSTNAME_INVALID",
    });
  });

  it("takes a dotted Pod name as it is, as the kubelet does", async () => {
    const sandbox = await network.createSandbox("uts-dots", { hostname: "my.release-abc" });
    try {
      expect((await ended(sandbox.startProcess({ argv: printHostname, env: {}, mounts: [] }))).stdout).toBe(
        "my.release-abc\n",
      );
    } finally {
      await sandbox.destroy();
    }
  });

  it("accepts a 63-character label", async () => {
    const long = `a${"-".repeat(61)}z`;
    const sandbox = await network.createSandbox("uts-long", { hostname: long });
    try {
      expect((await ended(sandbox.startProcess({ argv: printHostname, env: {}, mounts: [] }))).stdout).toBe(
        `${long}\n`,
      );
    } finally {
      await sandbox.destroy();
    }
  });
});
