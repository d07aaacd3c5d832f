import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPodNetwork,
  type PodNetwork,
  type PodSandbox,
} from "../../src/local-cluster/pod-network/index.ts";
import { ended, greetingServer, lineFrom, tcpClient } from "../helpers/pod-workload.ts";

// Real bridges, namespaces and veths (these tests run as root): what the kubelet and Helm rely on.

const ip = (...args: string[]) => execFileSync("/usr/sbin/ip", args, { encoding: "utf8" });
const networkNumber = (network: PodNetwork) => Number(network.bridge.replace("spirlbr", ""));
const namespacesOf = (n: number) =>
  ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(`spirl${n}-`));
const linksOf = (n: number) =>
  ip("-o", "link", "show")
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? "")
    .filter((name) => name === `spirlbr${n}` || new RegExp(`^spirl${n}v\\d+$`).test(name));

/** Answers one greeting from the host, on 127.0.0.1 only (so Pods can reach it only through a forward). */
async function hostService(greeting: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end(greeting));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

/** Reads a greeting from ip:port on the host, within a deadline. */
function readFrom(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 10_000 });
    let got = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      got += chunk;
    });
    socket.on("end", () => resolve(got));
    socket.on("timeout", () => socket.destroy(new Error(`no answer from ${host}:${port} within 10 s`)));
    socket.on("error", reject);
  });
}

describe("pod network", () => {
  let network: PodNetwork;
  let a: PodSandbox;
  let b: PodSandbox;
  let service: { server: Server; port: number };

  beforeAll(async () => {
    network = await createPodNetwork();
    [a, b] = await Promise.all([network.createSandbox("pod-a-uid"), network.createSandbox("pod-b-uid")]);
    service = await hostService("from the host");
  });
  afterAll(async () => {
    await network?.close();
    service?.server.close();
  });

  it("gives the bridge the gateway address and each sandbox its own address in the subnet", () => {
    const n = networkNumber(network);
    expect(network.gatewayIp).toBe(`10.244.${n}.1`);
    expect(network.cidr).toBe(`10.244.${n}.0/24`);
    expect(ip("-o", "-4", "addr", "show", "dev", network.bridge)).toContain(`inet 10.244.${n}.1/24`);
    expect(a.ip).not.toBe(b.ip);
    for (const sandbox of [a, b]) expect(sandbox.ip).toMatch(new RegExp(`^10\\.244\\.${n}\\.(\\d+)$`));
    expect(namespacesOf(n)).toHaveLength(2);
  });

  it("lets two sandboxes listen on the same port and reach each other by Pod IP", async () => {
    const serverA = a.startProcess({ argv: greetingServer(8443, "from a"), env: {}, mounts: [] });
    const serverB = b.startProcess({ argv: greetingServer(8443, "from b"), env: {}, mounts: [] });
    try {
      await Promise.all([lineFrom(serverA, /listening/), lineFrom(serverB, /listening/)]);
      const fromB = await ended(a.startProcess({ argv: tcpClient(b.ip, 8443), env: {}, mounts: [] }));
      expect(fromB).toMatchObject({ code: 0, stdout: "got:from b\n" });
      const fromA = await ended(b.startProcess({ argv: tcpClient(a.ip, 8443), env: {}, mounts: [] }));
      expect(fromA).toMatchObject({ code: 0, stdout: "got:from a\n" });
      // The host is on the bridge: tests, probes and Helm reach Pods at their IPs.
      expect(await readFrom(a.ip, 8443)).toBe("from a");
      expect(await readFrom(b.ip, 8443)).toBe("from b");
    } finally {
      serverA.kill("SIGKILL");
      serverB.kill("SIGKILL");
    }
  });

  it("reaches a host loopback service only through a gateway forward", async () => {
    const direct = await ended(
      a.startProcess({ argv: tcpClient("127.0.0.1", service.port), env: {}, mounts: [] }),
    );
    expect(direct.code).toBe(3);
    const port = await network.forward({ host: "127.0.0.1", port: service.port });
    const forwarded = await ended(
      a.startProcess({ argv: tcpClient(network.gatewayIp, port), env: {}, mounts: [] }),
    );
    expect(forwarded).toMatchObject({ code: 0, stdout: "got:from the host\n" });
  });

  it("reports the workload's own exit code and signal through the wrappers", async () => {
    const exit7 = await ended(
      a.startProcess({ argv: [process.execPath, "-e", "process.exit(7)"], env: {}, mounts: [] }),
    );
    expect(exit7).toMatchObject({ code: 7, signal: null });
    const killed = await ended(
      a.startProcess({
        argv: [process.execPath, "-e", "process.kill(process.pid, 'SIGTERM')"],
        env: {},
        mounts: [],
      }),
    );
    expect(killed).toMatchObject({ code: null, signal: "SIGTERM" });
    const missing = await ended(a.startProcess({ argv: ["/no/such/program"], env: {}, mounts: [] }));
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("/no/such/program");
  });

  it("destroy kills the sandbox's processes and removes its namespace, veth and folder", async () => {
    const c = await network.createSandbox("pod-c-uid");
    const n = networkNumber(network);
    const before = namespacesOf(n);
    expect(before).toHaveLength(3);
    const sleeper = c.startProcess({
      argv: [process.execPath, "-e", "setInterval(() => {}, 1000)"],
      env: {},
      mounts: [],
    });
    const exit = ended(sleeper);
    expect(existsSync(c.dir)).toBe(true);
    await c.destroy();
    expect(await exit).toMatchObject({ signal: "SIGKILL" });
    expect(namespacesOf(n)).toHaveLength(2);
    expect(linksOf(n)).toHaveLength(3); // the bridge and a's and b's veths
    expect(existsSync(c.dir)).toBe(false);
    await c.destroy(); // twice is fine
    expect(() => c.startProcess({ argv: [process.execPath], env: {}, mounts: [] })).toThrow(
      expect.objectContaining({ code: "CLOSED" }),
    );
  });
});

describe("pod network lifecycle", () => {
  it("gives two networks at once different numbers, and close removes everything of each", async () => {
    const first = await createPodNetwork();
    try {
      const second = await createPodNetwork();
      try {
        expect(second.bridge).not.toBe(first.bridge);
        expect(second.gatewayIp).not.toBe(first.gatewayIp);
        const sandbox = await second.createSandbox("pod-x");
        const sleeper = sandbox.startProcess({
          argv: [process.execPath, "-e", "setInterval(() => {}, 1000)"],
          env: {},
          mounts: [],
        });
        const exit = ended(sleeper);
        await second.forward({ host: "127.0.0.1", port: 9 });
        const n = networkNumber(second);
        expect(linksOf(n).length).toBe(2);
        await second.close();
        expect(await exit).toMatchObject({ signal: "SIGKILL" });
        expect(namespacesOf(n)).toEqual([]);
        expect(linksOf(n)).toEqual([]);
        expect(existsSync(`/run/spirl-local-cluster/${n}`)).toBe(false);
        expect(existsSync(`/run/spirl-local-cluster/${n}.d`)).toBe(false);
        await second.close();
        await expect(second.createSandbox("late")).rejects.toMatchObject({ code: "CLOSED" });
      } finally {
        await second.close();
      }
      // The first is untouched by the second's close.
      expect(linksOf(networkNumber(first))).toEqual([first.bridge]);
    } finally {
      await first.close();
    }
  });
});
