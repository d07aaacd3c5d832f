import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PodNetwork, PodSandbox, ProcessSpec } from "../../src/local-cluster/pod-network/index.ts";

/** One process the fake started, with the spec the node agent asked for. */
export interface StartedProcess {
  readonly podUid: string;
  readonly spec: ProcessSpec;
  readonly child: ChildProcess;
}

/**
 * A PodNetwork without namespaces, for node-agent tests: every Pod is 127.0.0.1 and its processes run
 * directly on the host (as this test process's user; uid/gid are recorded, not applied). Mounts cannot be
 * bind-mounted without a mount namespace, so each process gets `FAKE_MOUNTS` (JSON of the mounts) and the
 * test programs translate in-container paths through it.
 */
export interface FakePodNetwork extends PodNetwork {
  readonly started: StartedProcess[];
}

export function fakePodNetwork(): FakePodNetwork {
  const started: StartedProcess[] = [];
  const sandboxes = new Set<PodSandbox>();
  return {
    bridge: "fakebr0",
    gatewayIp: "127.0.0.1",
    cidr: "127.0.0.0/8",
    started,
    async forward(target) {
      return target.port;
    },
    async createSandbox(podUid) {
      const dir = await mkdtemp(join(tmpdir(), `fake-sandbox-${podUid.slice(0, 8)}-`));
      const children = new Set<ChildProcess>();
      const sandbox: PodSandbox = {
        ip: "127.0.0.1",
        dir,
        startProcess(spec) {
          const [bin = "", ...args] = spec.argv;
          const child = spawn(bin, args, {
            env: { ...spec.env, FAKE_MOUNTS: JSON.stringify(spec.mounts) },
            stdio: ["ignore", "pipe", "pipe"],
          });
          children.add(child);
          child.once("exit", () => children.delete(child));
          started.push({ podUid, spec, child });
          return child;
        },
        async destroy() {
          for (const child of children) child.kill("SIGKILL");
          sandboxes.delete(sandbox);
          await rm(dir, { recursive: true, force: true });
        },
      };
      sandboxes.add(sandbox);
      return sandbox;
    },
    async close() {
      await Promise.all([...sandboxes].map((s) => s.destroy()));
    },
  };
}

/** Prepended to every test program: `hostPath(p)` maps an in-container path through FAKE_MOUNTS. */
const prelude = `
const fs = require("node:fs");
const mounts = JSON.parse(process.env.FAKE_MOUNTS ?? "[]");
globalThis.hostPath = (p) => {
  for (const m of mounts) if (p === m.containerPath || p.startsWith(m.containerPath + "/")) return m.hostPath + p.slice(m.containerPath.length);
  return p;
};
globalThis.fs = fs;
`;

/**
 * The test ImageTable: image `example.test/js` with ENTRYPOINT `/bin/js`, whose first argument is a
 * JavaScript program run by this Node binary. Any other image or command is refused by the agent.
 */
export const testImages = {
  "example.test/js": {
    entrypoint: ["/bin/js"],
    programs: [{ match: ["/bin/js"], run: [process.execPath, "-e", `${prelude};eval(process.argv[1])`] }],
  },
} as const;
