// The `latency` fault is a network round trip: every request pays it (the 401 challenge and Entra too),
// and a new connection pays it twice more (the CONNECT answer, the TLS handshake). Elapsed times are
// checked only as lower bounds, the proof that the delay happened where it should.

import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { FaultPlan } from "../../../src/emulator/faults/fault-plan.ts";
import { addedLatencyMs, networkLatencyOnly } from "../../../src/emulator/faults/hold-for-latency.ts";
import { openTunnel, useEmulator } from "../../helpers/emulator.ts";

describe("FaultPlan and latency", () => {
  it("draws latency for CONNECTs and requests alike, and only the network's for a challenge", () => {
    const plan = new FaultPlan();
    plan.add({ kind: "latency", latencyMs: 20 });
    plan.add({ kind: "throttle", count: 1 });
    plan.add({ kind: "proxy-forbidden", count: 1 });
    const slowGetKey = plan.add({ kind: "latency", operation: "getKey", latencyMs: 30, count: 1 });
    expect(plan.take("connect-hsm", "a").map((fault) => fault.kind)).toEqual(["latency", "proxy-forbidden"]);
    // The challenge draws the network's latency only: the throttle's and the slow getKey's one use
    // are left for the authorized request.
    expect(plan.take("getKey", "a", networkLatencyOnly).map((fault) => fault.latencyMs)).toEqual([20]);
    expect(plan.take("getKey", "a").map((fault) => fault.kind)).toEqual(["latency", "throttle", "latency"]);
    expect(plan.list().some((fault) => fault.id === slowGetKey.id)).toBe(false);
  });

  it("adds up the round trips of the drawn latency faults, 100 ms each by default", () => {
    const plan = new FaultPlan();
    plan.add({ kind: "latency", latencyMs: 20 });
    plan.add({ kind: "latency" });
    plan.add({ kind: "reset" });
    expect(addedLatencyMs(plan.take("encrypt", "a"))).toBe(120);
  });
});

describe("latency on the wire", () => {
  const emulator = useEmulator();
  const rttMs = 150;
  const hsmHost = "localhsm.managedhsm.azure.net";
  afterEach(() => {
    emulator.handle.state.faults.clear();
    emulator.handle.state.log.clear();
  });

  /** Opens a tunnel (CONNECT and TLS), then sends GETs one after another on it; the time of each. */
  async function phases(host: string, paths: readonly string[]) {
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    const tls = await openTunnel(emulator.handle, host);
    const handshakesMs = lap();
    const requestMs: number[] = [];
    const statuses: number[] = [];
    for (const path of paths) {
      const outgoing = httpRequest({
        host,
        path,
        headers: { host, connection: "keep-alive" },
        createConnection: () => tls,
      });
      outgoing.end();
      const [response] = (await once(outgoing, "response")) as [import("node:http").IncomingMessage];
      response.resume();
      await once(response, "end");
      statuses.push(response.statusCode ?? 0);
      requestMs.push(lap());
    }
    tls.destroy();
    return { handshakesMs, requestMs, statuses };
  }

  const logged = () =>
    emulator.handle.state.log.entries().map((entry) => `${entry.operation}:${entry.status}`);

  it("delays the CONNECT answer, the TLS handshake and the 401 challenge by one round trip each", async () => {
    emulator.handle.state.faults.add({ kind: "latency", latencyMs: rttMs });
    const result = await phases(hsmHost, ["/keys/k/?api-version=2025-07-01"]);
    expect(result.statuses).toEqual([401]);
    // Two round trips before the tunnel is usable: one alone would be the old, request-only delay.
    expect(result.handshakesMs).toBeGreaterThanOrEqual(2 * rttMs - 5);
    expect(result.requestMs[0]).toBeGreaterThanOrEqual(rttMs - 5);
    expect(logged()).toEqual(["connect-hsm:200", "getKey:401"]);
  });

  it("charges the handshakes once per connection: a kept-alive tunnel serves two requests after one CONNECT", async () => {
    emulator.handle.state.faults.add({ kind: "latency", latencyMs: rttMs });
    const result = await phases("login.microsoftonline.com", [
      "/common/discovery/instance",
      "/common/discovery/instance",
    ]);
    for (const ms of result.requestMs) expect(ms).toBeGreaterThanOrEqual(rttMs - 5);
    expect(logged().filter((line) => line.startsWith("connect-entra"))).toEqual(["connect-entra:200"]);
  });

  it("delays only the connection set-up when the fault names a CONNECT operation", async () => {
    const fault = emulator.handle.state.faults.add({
      kind: "latency",
      operation: "connect-hsm",
      latencyMs: rttMs,
      count: 1,
    });
    const result = await phases(hsmHost, ["/keys/k/?api-version=2025-07-01"]);
    expect(result.handshakesMs).toBeGreaterThanOrEqual(2 * rttMs - 5);
    expect(emulator.handle.state.faults.list().some((entry) => entry.id === fault.id)).toBe(false);
    expect(logged()).toEqual(["connect-hsm:200", "getKey:401"]);
  });

  it("leaves no CONNECT in the log when no fault was drawn", async () => {
    await phases(hsmHost, ["/keys/k/?api-version=2025-07-01"]);
    expect(logged()).toEqual(["getKey:401"]);
  });
});
