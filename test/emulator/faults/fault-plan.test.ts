import { describe, expect, it } from "vitest";
import { FaultPlan } from "../../../src/emulator/faults/fault-plan.ts";
import { useEmulator } from "../../helpers/emulator.ts";

describe("FaultPlan", () => {
  it("hits the next N matching requests, then drops the fault", () => {
    const plan = new FaultPlan();
    plan.add({ kind: "unavailable", operation: "encrypt", hsm: "a", count: 2 });
    expect(plan.take("decrypt", "a")).toHaveLength(0);
    expect(plan.take("encrypt", "b")).toHaveLength(0);
    expect(plan.take("encrypt", "a")).toHaveLength(1);
    expect(plan.take("encrypt", "a")).toHaveLength(1);
    expect(plan.take("encrypt", "a")).toHaveLength(0);
    expect(plan.list()).toHaveLength(0);
  });

  it("hits with the given probability", () => {
    const draws = [0.1, 0.9];
    const plan = new FaultPlan(() => draws.shift() ?? 1);
    plan.add({ kind: "reset", probability: 0.5 });
    expect(plan.take("encrypt", undefined)).toHaveLength(1);
    expect(plan.take("encrypt", undefined)).toHaveLength(0);
  });

  it("rejects a bad count with the field named", () => {
    expect(() => new FaultPlan().add({ kind: "reset", count: 0 })).toThrow(/^count: /);
  });
});

describe("faults on the wire", () => {
  const emulator = useEmulator();
  const api = "api%2Dversion=2025-07-01";
  const host = "localhsm.managedhsm.azure.net";
  let token = "";
  const call = (method = "GET", path = `/keys/faulty/?${api}`) =>
    emulator.raw({ host, method, path, headers: { authorization: `Bearer ${token}` } });

  it("serves 429 with Retry-After, 503, a reset, malformed JSON, a wrong kid and added latency", async () => {
    token = await emulator.accessToken();
    await emulator.admin("POST", "/hsms/localhsm/keys/faulty");
    const { faults } = emulator.handle.state;

    faults.add({ kind: "throttle", operation: "getKey", retryAfterSeconds: 7, count: 1 });
    const throttled = await call();
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("7");
    expect(throttled.json).toMatchObject({ error: { code: "Throttled" } });

    faults.add({ kind: "unavailable", hsm: "localhsm", count: 1 });
    expect((await call()).status).toBe(503);

    faults.add({ kind: "reset", count: 1 });
    await expect(call()).rejects.toThrow(/socket hang up|ECONNRESET/);

    faults.add({ kind: "malformed-json", count: 1 });
    const malformed = await call();
    expect(malformed.status).toBe(200);
    expect(malformed.json).toBeUndefined();
    expect(malformed.text.startsWith('{"attributes"')).toBe(true);

    faults.add({ kind: "wrong-kid", count: 1 });
    const wrong = (await call()).json as { key: { kid: string } };
    expect(wrong.key.kid).toContain("/keys/wrong-kid-fault/");

    faults.add({ kind: "latency", latencyMs: 300, count: 1 });
    const started = performance.now();
    expect((await call()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(faults.list()).toHaveLength(0);
  });

  it("throttles the Entra token endpoint with an AADSTS body and Retry-After", async () => {
    emulator.handle.state.faults.add({
      kind: "throttle",
      operation: "token",
      retryAfterSeconds: 2,
      count: 1,
    });
    const response = await emulator.raw({
      host: "login.microsoftonline.com",
      method: "POST",
      path: `/${emulator.handle.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json).toMatchObject({ error: "temporarily_unavailable", error_codes: [90033] });
  });

  it("never spends a fault on the body-less challenge request", async () => {
    emulator.handle.state.faults.add({ kind: "unavailable", count: 1 });
    const challenge = await emulator.raw({ host, method: "GET", path: `/keys/faulty/?${api}` });
    expect(challenge.status).toBe(401);
    expect((await call()).status).toBe(503);
  });
});
