import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPodNetwork,
  type PodNetwork,
  type PodSandbox,
  type SandboxMount,
} from "../../src/local-cluster/pod-network/index.ts";
import { ended, nodeScript } from "../helpers/pod-workload.ts";

// What a process started in a sandbox sees: its mounts (and no one else's), its ids, its environment.

const tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Prints JSON of `expression` (evaluated in the workload) and exits 0. */
const printJson = (expression: string, ...args: string[]) =>
  nodeScript(`console.log(JSON.stringify(${expression}))`, ...args);

/** The supplementary groups as the kernel lists them (Node's getgroups() adds the effective gid). */
const groupsExpression = `require("node:fs").readFileSync("/proc/self/status", "utf8").match(/^Groups:(.*)$/m)[1].trim()`;

/** Reads a file in the workload: prints its text, or `error:<code>`. */
const readScript = (path: string) =>
  nodeScript(
    `try { console.log(require("node:fs").readFileSync(process.argv[1], "utf8")) } catch (e) { console.log("error:" + e.code) }`,
    path,
  );

describe("processes in a pod sandbox", () => {
  let network: PodNetwork;
  let a: PodSandbox;
  let b: PodSandbox;
  let files: string;
  let tokenMount: SandboxMount;

  beforeAll(async () => {
    network = await createPodNetwork();
    [a, b] = await Promise.all([network.createSandbox("proc-a"), network.createSandbox("proc-b")]);
    // A folder name a shell would misread, to show paths are never interpolated.
    files = await mkdtemp(join(tmpdir(), "pod-network $(touch x) 'q' "));
    await writeFile(join(files, "token"), "token-a", { mode: 0o644 });
    await chmod(join(files, "token"), 0o644);
    await writeFile(join(files, "root-only"), "secret", { mode: 0o600 });
    tokenMount = { hostPath: join(files, "token"), containerPath: tokenPath, readOnly: true };
  });
  afterAll(async () => {
    await network?.close();
    if (files !== undefined) await rm(files, { recursive: true, force: true });
  });

  it("shows a read-only bind under /var/run/secrets inside the Pod only", async () => {
    const inside = await ended(
      a.startProcess({ argv: readScript(tokenPath), env: {}, mounts: [tokenMount] }),
    );
    expect(inside).toMatchObject({ code: 0, stdout: "token-a\n" });
    expect(existsSync("/var/run/secrets/kubernetes.io")).toBe(false);
    const otherPod = await ended(b.startProcess({ argv: readScript(tokenPath), env: {}, mounts: [] }));
    expect(otherPod.stdout).toBe("error:ENOENT\n");
    // Another process of the same Pod gets only what its own spec names.
    const sameWithout = await ended(a.startProcess({ argv: readScript(tokenPath), env: {}, mounts: [] }));
    expect(sameWithout.stdout).toBe("error:ENOENT\n");
  });

  it("refuses writes to a read-only mount and allows them to a read-write one", async () => {
    const write = nodeScript(
      `try { require("node:fs").writeFileSync(process.argv[1], "changed"); console.log("wrote") } catch (e) { console.log("error:" + e.code) }`,
      tokenPath,
    );
    expect((await ended(a.startProcess({ argv: write, env: {}, mounts: [tokenMount] }))).stdout).toBe(
      "error:EROFS\n",
    );
    expect(await readFile(join(files, "token"), "utf8")).toBe("token-a");
    const writable = { ...tokenMount, readOnly: false };
    expect((await ended(a.startProcess({ argv: write, env: {}, mounts: [writable] }))).stdout).toBe(
      "wrote\n",
    );
    expect(await readFile(join(files, "token"), "utf8")).toBe("changed");
    await writeFile(join(files, "token"), "token-a");
  });

  it("drops to uid/gid 65532 with no groups, which can still read a 0644 file but not a 0600 one", async () => {
    const ids = await ended(
      a.startProcess({
        argv: printJson(
          `[process.getuid(), process.getgid(), ${groupsExpression}, require("node:fs").readFileSync(process.argv[1], "utf8")]`,
          tokenPath,
        ),
        env: {},
        mounts: [tokenMount],
        uid: 65532,
        gid: 65532,
      }),
    );
    expect(ids).toMatchObject({ code: 0 });
    expect(JSON.parse(ids.stdout)).toEqual([65532, 65532, "", "token-a"]);
    const secret = "/var/run/secrets/azure/tokens/root-only";
    const denied = await ended(
      a.startProcess({
        argv: readScript(secret),
        env: {},
        mounts: [{ hostPath: join(files, "root-only"), containerPath: secret, readOnly: true }],
        uid: 65532,
        gid: 65532,
        supplementalGroups: [1234],
      }),
    );
    expect(denied.stdout).toBe("error:EACCES\n");
    const groups = await ended(
      a.startProcess({
        argv: printJson(`[process.getuid(), process.getgid(), ${groupsExpression}]`),
        env: {},
        mounts: [],
        uid: 65532,
        supplementalGroups: [1234, 5678],
      }),
    );
    // Only the uid was given: the gid stays root's, the groups are exactly the ones asked for.
    expect(JSON.parse(groups.stdout)).toEqual([65532, 0, "1234 5678"]);
  });

  it("gives exactly the environment asked for, and argv verbatim", async () => {
    const env = { A: "1", "a-b": "dash in name", IFS: "x", PWD: "/nowhere", EMPTY: "", QUOTE: `'"$(x)\`y\`` };
    const seen = await ended(a.startProcess({ argv: printJson("process.env"), env, mounts: [] }));
    expect(JSON.parse(seen.stdout)).toEqual(env);
    const words = ["$(touch /tmp/pod-network-pwned)", "a b", `'"`, "`id`", "-x", ""];
    const argv = await ended(
      a.startProcess({ argv: printJson("process.argv.slice(1)", ...words), env: {}, mounts: [] }),
    );
    expect(JSON.parse(argv.stdout)).toEqual(words);
    expect(existsSync("/tmp/pod-network-pwned")).toBe(false);
  });

  it("hides other Pods' folders from a process", async () => {
    await mkdir(join(b.dir, "volumes", "v"), { recursive: true });
    await writeFile(join(b.dir, "volumes", "v", "file"), "b's file");
    const peek = await ended(
      a.startProcess({ argv: readScript(join(b.dir, "volumes", "v", "file")), env: {}, mounts: [] }),
    );
    expect(peek.stdout).toBe("error:ENOENT\n");
    // Its own volume reaches it through a bind mount, from the same folder tree.
    await mkdir(join(a.dir, "volumes", "token"), { recursive: true });
    await writeFile(join(a.dir, "volumes", "token", "token"), "a's token", { mode: 0o644 });
    const own = await ended(
      a.startProcess({
        argv: readScript("/var/run/secrets/kubernetes.io/serviceaccount/token"),
        env: {},
        mounts: [
          {
            hostPath: join(a.dir, "volumes", "token"),
            containerPath: "/var/run/secrets/kubernetes.io/serviceaccount",
            readOnly: true,
          },
        ],
        uid: 65532,
        gid: 65532,
      }),
    );
    expect(own.stdout).toBe("a's token\n");
  });

  it.each([
    ["relative", "var/run/secrets/x", "MOUNT_PATH_INVALID"],
    ["with ..", "/var/run/secrets/../../etc/x", "MOUNT_PATH_INVALID"],
    ["not normalised", "/var/run//secrets/x", "MOUNT_PATH_INVALID"],
    ["trailing slash", "/var/run/secrets/x/", "MOUNT_PATH_INVALID"],
    ["the root", "/", "MOUNT_PATH_INVALID"],
    ["missing outside the Pod paths", "/no/such/folder/token", "MOUNT_PATH_INVALID"],
    // Existing host files a Pod could otherwise cover with its own: what it runs, what the loader reads.
    ["the Node binary", process.execPath, "MOUNT_PATH_INVALID"],
    ["/etc/ld.so.preload", "/etc/ld.so.preload", "MOUNT_PATH_INVALID"],
    ["a host folder", "/tmp", "MOUNT_PATH_INVALID"],
  ])("refuses a containerPath that is %s", (_, containerPath, code) => {
    const mounts = [{ hostPath: join(files, "token"), containerPath, readOnly: true }];
    expect(() => a.startProcess({ argv: [process.execPath], env: {}, mounts })).toThrow(
      expect.objectContaining({ name: "PodNetworkError", code }),
    );
  });

  it("refuses a hostPath that is relative or missing, and an empty argv", () => {
    const start = (hostPath: string) =>
      a.startProcess({
        argv: [process.execPath],
        env: {},
        mounts: [{ hostPath, containerPath: tokenPath, readOnly: true }],
      });
    expect(() => start("token")).toThrow(expect.objectContaining({ code: "MOUNT_PATH_INVALID" }));
    expect(() => start(join(files, "absent"))).toThrow(
      expect.objectContaining({ code: "MOUNT_SOURCE_MISSING" }),
    );
    expect(() => a.startProcess({ argv: [], env: {}, mounts: [] })).toThrow(
      expect.objectContaining({ code: "PROCESS_SPEC_INVALID" }),
    );
    expect(() => a.startProcess({ argv: [process.execPath], env: {}, mounts: [], uid: -1 })).toThrow(
      expect.objectContaining({ code: "PROCESS_SPEC_INVALID" }),
    );
  });
});
