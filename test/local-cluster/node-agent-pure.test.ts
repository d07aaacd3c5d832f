import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parseLogLine, selectEntries } from "../../src/local-cluster/node-agent/container-log.ts";
import { imageRepository, resolveProgram } from "../../src/local-cluster/node-agent/image-table.ts";
import { parseLogQuery } from "../../src/local-cluster/node-agent/kubelet-server.ts";
import { isNodeAgentError } from "../../src/local-cluster/node-agent/node-agent-error.ts";
import { podHostname } from "../../src/local-cluster/node-agent/pod-hostname.ts";
import {
  buildPodStatus,
  type ContainerRecord,
  podPhase,
} from "../../src/local-cluster/node-agent/pod-status.ts";
import { expandVars, resolveEnv } from "../../src/local-cluster/node-agent/resolve-env.ts";
import { probePort } from "../../src/local-cluster/node-agent/run-probe.ts";

const images = {
  "ghcr.io/acme/server": {
    entrypoint: ["/nodejs/bin/node", "/app/server.mjs"],
    programs: [
      { match: ["/nodejs/bin/node", "/app/server.mjs"], run: ["/usr/bin/node", "/repo/dist/server.mjs"] },
      {
        match: ["/nodejs/bin/node", "/app/preflight.mjs"],
        run: ["/usr/bin/node", "/repo/dist/preflight.mjs"],
      },
    ],
  },
};

describe("image table", () => {
  it("drops tag and digest but keeps a registry port", () => {
    expect(imageRepository("ghcr.io/acme/server:1.2@sha256:abc")).toBe("ghcr.io/acme/server");
    expect(imageRepository("localhost:5000/app")).toBe("localhost:5000/app");
    expect(imageRepository("localhost:5000/app:v1")).toBe("localhost:5000/app");
  });

  it("runs the entrypoint's program with the container's args appended", () => {
    expect(
      resolveProgram(images, { name: "c", image: "ghcr.io/acme/server:1", args: ["--port", "8443"] }),
    ).toEqual(["/usr/bin/node", "/repo/dist/server.mjs", "--port", "8443"]);
  });

  it("selects a program by command", () => {
    const argv = resolveProgram(images, {
      name: "c",
      image: "ghcr.io/acme/server",
      command: ["/nodejs/bin/node", "/app/preflight.mjs"],
    });
    expect(argv).toEqual(["/usr/bin/node", "/repo/dist/preflight.mjs"]);
  });

  it("refuses an unknown image, naming it", () => {
    let error: unknown;
    try {
      resolveProgram(images, { name: "c", image: "busybox:1" });
    } catch (e) {
      error = e;
    }
    expect(isNodeAgentError(error) && error.code).toBe("IMAGE_NOT_ALLOWED");
    expect((error as Error).message).toContain('"busybox:1"');
  });

  it("refuses a command that matches no program, and a prefix that is only part of one", () => {
    expect(() =>
      resolveProgram(images, { name: "c", image: "ghcr.io/acme/server", command: ["sh", "-c", "x"] }),
    ).toThrow(/matches no program/);
    expect(() =>
      resolveProgram(images, { name: "c", image: "ghcr.io/acme/server", command: ["/nodejs/bin/node"] }),
    ).toThrow(/matches no program/);
  });

  it("does not treat inherited object keys as images", () => {
    expect(() => resolveProgram(images, { name: "c", image: "constructor" })).toThrow(
      /not one this node may run/,
    );
  });
});

describe("env", () => {
  const pod: V1Pod = {
    metadata: { name: "p", namespace: "ns", uid: "u-1", labels: { app: "a" }, annotations: { note: "n" } },
    spec: { nodeName: "node", serviceAccountName: "sa", containers: [] },
  };
  const context = {
    pod,
    podIP: "10.244.1.5",
    hostIP: "127.0.0.1",
    apiServer: { host: "10.244.1.1", port: 40001 },
    defaults: { HTTPS_PROXY: "http://gw:1", KEEP: "node" },
    secret: async (name: string) => (name === "s" ? { k: "secret-value" } : undefined),
    configMap: async (name: string) => (name === "c" ? { A: "1", B: "2" } : undefined),
  };

  it("expands $(VAR) of earlier variables, keeps unknown ones and unescapes $$", () => {
    expect(expandVars("$(A)-$(MISSING)-$$(A)-$", { A: "x" })).toBe("x-$(MISSING)-$(A)-$");
  });

  it("resolves every source in the kubelet's order, the Pod's own env winning", async () => {
    const env = await resolveEnv(
      {
        name: "c",
        envFrom: [
          { configMapRef: { name: "c" }, prefix: "P_" },
          { secretRef: { name: "gone", optional: true } },
        ],
        env: [
          { name: "KEEP", value: "pod" },
          { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "S", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
          { name: "URL", value: "https://$(IP):8443" },
        ],
      },
      context,
    );
    expect(env).toMatchObject({
      KEEP: "pod",
      HTTPS_PROXY: "http://gw:1",
      P_A: "1",
      P_B: "2",
      NAME: "p",
      NS: "ns",
      UID: "u-1",
      APP: "a",
      NOTE: "n",
      NODE: "node",
      SA: "sa",
      IP: "10.244.1.5",
      HOST: "127.0.0.1",
      S: "secret-value",
      URL: "https://10.244.1.5:8443",
      KUBERNETES_SERVICE_HOST: "10.244.1.1",
      KUBERNETES_SERVICE_PORT: "40001",
      KUBERNETES_PORT: "tcp://10.244.1.1:40001",
      KUBERNETES_PORT_40001_TCP_ADDR: "10.244.1.1",
      HOSTNAME: "p",
    });
    expect(env.HOME).toBeUndefined(); // nothing inherited from the agent's own environment
  });

  it("fails on a missing Secret key unless optional", async () => {
    await expect(
      resolveEnv(
        { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "nope" } } }] },
        context,
      ),
    ).rejects.toThrow(/couldn't find key nope in secret ns\/s/);
    const env = await resolveEnv(
      {
        name: "c",
        env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "nope", optional: true } } }],
      },
      context,
    );
    expect(env).not.toHaveProperty("X");
    await expect(
      resolveEnv({ name: "c", envFrom: [{ secretRef: { name: "gone" } }] }, context),
    ).rejects.toThrow(/not found/);
  });

  it.each(["NODE_OPTIONS", "NODE_PATH", "LD_PRELOAD", "LD_LIBRARY_PATH"])(
    "refuses %s from the Pod: it would load code the image table does not name",
    async (name) => {
      await expect(
        resolveEnv({ name: "c", env: [{ name, value: "--import=data:text/javascript,1" }] }, context),
      ).rejects.toMatchObject({ code: "CONTAINER_CONFIG", message: expect.stringContaining(name) });
    },
  );

  it("refuses such a variable from envFrom too, and passes NODE_ENV and NODE_EXTRA_CA_CERTS", async () => {
    await expect(
      resolveEnv({ name: "c", envFrom: [{ prefix: "NODE_", secretRef: { name: "s" } }] }, context),
    ).rejects.toMatchObject({ code: "CONTAINER_CONFIG" });
    const env = await resolveEnv(
      {
        name: "c",
        env: [
          { name: "NODE_ENV", value: "production" },
          { name: "NODE_EXTRA_CA_CERTS", value: "/var/run/secrets/ca.crt" },
        ],
      },
      context,
    );
    expect(env).toMatchObject({ NODE_ENV: "production", NODE_EXTRA_CA_CERTS: "/var/run/secrets/ca.crt" });
  });
});

const at = new Date("2030-01-01T00:00:00Z");
const running: ContainerRecord = {
  name: "main",
  image: "i",
  state: { kind: "running", startedAt: at, containerID: "x://1" },
  restartCount: 0,
  ready: true,
  started: true,
};
const exited = (name: string, exitCode: number): ContainerRecord => ({
  name,
  image: "i",
  state: {
    kind: "terminated",
    exitCode,
    reason: exitCode === 0 ? "Completed" : "Error",
    startedAt: at,
    finishedAt: at,
    containerID: "x://2",
  },
  restartCount: 0,
  ready: false,
  started: false,
});

describe("pod status", () => {
  it("derives the phase as the kubelet does", () => {
    const phase = (
      restartPolicy: string,
      containers: ContainerRecord[],
      initContainers: ContainerRecord[] = [],
    ) => podPhase({ restartPolicy, containers, initContainers });
    const waiting: ContainerRecord = {
      ...running,
      state: { kind: "waiting", reason: "PodInitializing" },
      ready: false,
    };
    expect(phase("Never", [waiting], [running])).toBe("Pending");
    expect(phase("Never", [running], [exited("init", 0)])).toBe("Running");
    expect(phase("Never", [exited("a", 0), exited("b", 0)])).toBe("Succeeded");
    expect(phase("Never", [exited("a", 0), exited("b", 1)])).toBe("Failed");
    expect(phase("OnFailure", [exited("a", 1)])).toBe("Running");
    expect(phase("Always", [exited("a", 0)])).toBe("Running");
    expect(phase("Never", [waiting], [exited("init", 1)])).toBe("Failed");
    expect(phase("OnFailure", [waiting], [exited("init", 1)])).toBe("Pending");
    const backOff: ContainerRecord = {
      ...waiting,
      state: { kind: "waiting", reason: "CrashLoopBackOff" },
      lastTermination: { exitCode: 1, reason: "Error", startedAt: at, finishedAt: at, containerID: "x" },
    };
    expect(phase("Always", [backOff])).toBe("Running");
  });

  it("builds conditions, statuses and keeps an unchanged condition's transition time", () => {
    const earlier = new Date("2029-01-01T00:00:00Z");
    const status = buildPodStatus({
      restartPolicy: "Never",
      initContainers: [exited("init", 0)],
      containers: [running, { ...running, name: "side", ready: false }],
      podIP: "10.244.1.2",
      hostIP: "127.0.0.1",
      startTime: at,
      previousConditions: [{ type: "Initialized", status: "True", lastTransitionTime: earlier }],
      now: at,
    });
    expect(status.phase).toBe("Running");
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "True",
      lastTransitionTime: earlier,
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [side]",
    });
    expect(status.podIPs).toEqual([{ ip: "10.244.1.2" }]);
    expect(status.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    expect(status.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: at } },
    });
  });

  it("reports the agent's own failure reason", () => {
    const status = buildPodStatus({
      restartPolicy: "Never",
      initContainers: [],
      containers: [running],
      hostIP: "127.0.0.1",
      startTime: at,
      failed: {
        reason: "DeadlineExceeded",
        message: "Pod was active on the node longer than the specified deadline",
      },
      now: at,
    });
    expect(status).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded" });
  });
});

describe("logs", () => {
  const entries = [
    "2030-01-01T00:00:01.000000000Z stdout F one",
    "2030-01-01T00:00:02.000000000Z stderr F two",
    "2030-01-01T00:00:03.000000000Z stdout P thr",
  ].map((line) => parseLogLine(line) ?? expect.unreachable());

  it("parses the CRI format, spaces in the text included", () => {
    expect(parseLogLine("2030-01-01T00:00:01Z stdout F a b  c")).toEqual({
      time: "2030-01-01T00:00:01Z",
      stream: "stdout",
      partial: false,
      text: "a b  c",
    });
    expect(parseLogLine("garbage")).toBeUndefined();
  });

  it("applies since before tail", () => {
    expect(selectEntries(entries, { tailLines: 1 }).map((e) => e.text)).toEqual(["thr"]);
    expect(selectEntries(entries, { tailLines: 0 })).toEqual([]);
    expect(
      selectEntries(entries, { since: new Date("2030-01-01T00:00:02Z"), tailLines: 5 }).map((e) => e.text),
    ).toEqual(["two", "thr"]);
  });

  it("reads kubectl's query string", () => {
    const now = new Date("2030-01-01T00:01:00Z");
    expect(
      parseLogQuery(
        new URLSearchParams("follow=true&tailLines=10&timestamps=true&limitBytes=5&sinceSeconds=60"),
        now,
      ),
    ).toEqual({
      follow: true,
      timestamps: true,
      tailLines: 10,
      limitBytes: 5,
      since: new Date("2030-01-01T00:00:00Z"),
    });
    expect(parseLogQuery(new URLSearchParams("tailLines=-1"), now)).toMatch(/tailLines/);
    expect(parseLogQuery(new URLSearchParams("sinceTime=nope"), now)).toMatch(/sinceTime/);
  });
});

describe("probes", () => {
  it("resolves a named port through the container's ports", () => {
    const container = { ports: [{ name: "https", containerPort: 8443 }] };
    expect(probePort("https", container)).toBe(8443);
    expect(probePort(9000, container)).toBe(9000);
    expect(probePort("other", container)).toBeUndefined();
  });
});

describe("pod hostname", () => {
  const pod = (name: string, hostname?: string): V1Pod => ({
    metadata: { name },
    spec: { containers: [], ...(hostname === undefined ? {} : { hostname }) },
  });

  it("is spec.hostname when set, else the Pod name", () => {
    expect(podHostname(pod("server-7c9d-x2k4f"))).toBe("server-7c9d-x2k4f");
    expect(podHostname(pod("server-7c9d-x2k4f", "tds-0"))).toBe("tds-0");
  });

  it("cuts a long name to 63 characters without a trailing dash or dot, as the kubelet does", () => {
    const long = `${"a".repeat(61)}-.-cdef`;
    expect(podHostname(pod(long))).toBe("a".repeat(61));
    expect(podHostname(pod("c".repeat(70)))).toBe("c".repeat(63));
  });
});
