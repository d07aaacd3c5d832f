// Retries inside the deadline and the failures that only faults produce. One emulator, faults are
// global to it, so these tests run one after another and clear the faults each time.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  callCounts,
  createTestKey,
  expectNoSecrets,
  failureOf,
  type PreflightRun,
  runPreflightCli,
} from "../helpers/preflight.ts";

const emulator = useEmulator();
const keyName = "retry-key";

beforeAll(async () => {
  await createTestKey(emulator, keyName);
});

afterEach(async () => {
  await emulator.admin("DELETE", "/faults");
  await emulator.admin("DELETE", "/requests");
});

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const response = await emulator.admin("POST", "/faults", fault);
  expect(response.status).toBe(201);
}

async function requestCounts(): Promise<Record<string, { total: number; byStatus: Record<string, number> }>> {
  return ((await emulator.admin("GET", "/requests")).json as { counts: never }).counts;
}

function expectFailure(run: PreflightRun, code: FailureCode) {
  const failure = failureOf(run);
  expect({ code: failure.code, exitCode: run.exitCode }).toEqual({
    code,
    exitCode: failureCatalogue[code].exitCode,
  });
  expect(failure.fix).toBe(failureCatalogue[code].fix);
  expectNoSecrets(run, []);
  return failure;
}

/** The child's own total from its summary line (process start-up excluded). */
function totalMs(run: PreflightRun): number {
  return Number(/totalMs=(\d+)/.exec(run.stdout)?.[1]);
}

describe("preflight retries and fault classes", { timeout: 60_000 }, () => {
  it("rides out two 429s (Retry-After: 1) on encrypt and a 503 on decrypt inside the deadline", async () => {
    await addFault({ kind: "throttle", operation: "encrypt", count: 2, retryAfterSeconds: 1 });
    await addFault({ kind: "unavailable", operation: "decrypt", count: 1 });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "10s" } });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    // Retry-After honoured: two waits of one second each, and nowhere near the 10 s deadline.
    expect(totalMs(run)).toBeGreaterThanOrEqual(2_000);
    expect(totalMs(run)).toBeLessThan(10_000);
    // Exactly the minimum plus one request per transient failure.
    expect(callCounts(run)).toMatchObject({ hsmCalls: 6 + 3, encrypt: 3, decrypt: 3, getKey: 1 });
    const counts = await requestCounts();
    expect(counts.encrypt?.byStatus).toEqual({ "200": 1, "401": 1, "429": 2 });
    expect(counts.decrypt?.byStatus).toEqual({ "200": 1, "400": 1, "503": 1 });
  });

  it("rides out a 429 from Entra ID's token endpoint", async () => {
    await addFault({ kind: "throttle", operation: "token", count: 1, retryAfterSeconds: 1 });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "10s" } });
    expect(run.exitCode).toBe(0);
    expect((await requestCounts()).token?.byStatus).toEqual({ "200": 1, "429": 1 });
  });

  it("rides out a connection reset", async () => {
    await addFault({ kind: "reset", operation: "encrypt", count: 1 });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "10s" } });
    expect(run.exitCode).toBe(0);
    expect(callCounts(run)).toMatchObject({ encrypt: 1 });
  });

  it("THROTTLED: 429s until the deadline stop early, with few calls", async () => {
    await addFault({ kind: "throttle", operation: "getKey", retryAfterSeconds: 1 });
    const run = await runPreflightCli(emulator, {
      keyName,
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "2500ms" },
    });
    const failure = expectFailure(run, "THROTTLED");
    expect(failure.message).toContain("the HSM answered 429 (throttled) until the deadline");
    // Two or three attempts one second apart; the next wait would overrun the deadline, so it gives up.
    const getKeys = (await requestCounts()).getKey?.byStatus ?? {};
    expect(getKeys["429"]).toBeGreaterThanOrEqual(2);
    expect(getKeys["429"]).toBeLessThanOrEqual(3);
    expect(run.stderr).toMatch(/x-ms-request-id=[0-9a-f-]{36}/);
  });

  it("THROTTLED: Entra ID answers 429 to every token request until the deadline", async () => {
    await addFault({ kind: "throttle", operation: "token", retryAfterSeconds: 1 });
    const run = await runPreflightCli(emulator, {
      keyName,
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "2500ms" },
    });
    const failure = expectFailure(run, "THROTTLED");
    expect(failure.message).toContain(
      "Entra ID answered 429 (throttled) until the deadline (last: AADSTS90033",
    );
    // MSAL holds requests back for Retry-After itself, so Entra sees about one request per second.
    expect((await requestCounts()).token?.total).toBeLessThanOrEqual(4);
  });

  it("ENTRA_UNAVAILABLE: Entra ID answers 503 until the deadline", async () => {
    await addFault({ kind: "unavailable", operation: "token" });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "2s" } });
    const failure = expectFailure(run, "ENTRA_UNAVAILABLE");
    expect(failure.message).toContain("Entra ID could not issue a token until the deadline");
  });

  it("HSM_UNAVAILABLE: 503s until the deadline, with a bounded number of calls", async () => {
    await addFault({ kind: "unavailable", operation: "encrypt" });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "2s" } });
    expectFailure(run, "HSM_UNAVAILABLE");
    const encrypts = (await requestCounts()).encrypt?.byStatus ?? {};
    // Jittered exponential backoff from 250 ms: at most a handful of attempts in two seconds.
    expect(encrypts["503"]).toBeGreaterThanOrEqual(2);
    expect(encrypts["503"]).toBeLessThanOrEqual(6);
  });

  it("TIMEOUT: a call still running when --timeout passes", async () => {
    await addFault({ kind: "latency", operation: "getKey", latencyMs: 5_000 });
    const run = await runPreflightCli(emulator, { keyName, args: ["--timeout", "1s"] });
    const failure = expectFailure(run, "TIMEOUT");
    expect(failure.message).toContain("getKey did not succeed within 1000 ms");
  });

  it("HSM_RESPONSE_INVALID: a truncated JSON body", async () => {
    await addFault({ kind: "malformed-json", operation: "encrypt" });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "HSM_RESPONSE_INVALID");
  });

  it("KID_MISMATCH: the encrypt result names another key", async () => {
    await addFault({ kind: "wrong-kid", operation: "encrypt" });
    const run = await runPreflightCli(emulator, { keyName });
    const failure = expectFailure(run, "KID_MISMATCH");
    expect(failure.message).toContain(`key wrong-kid-fault instead of ${keyName}`);
  });

  it("HSM_UNAUTHORIZED: the HSM refuses the access token (it expired while the request was held)", async () => {
    await addFault({ kind: "latency", operation: "getKey", latencyMs: 2_500, count: 1 });
    const running = runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "20s" } });
    // Once the token is issued and the authorized getKey is held by the latency fault, jump the HSM's clock.
    for (let i = 0; i < 200; i++) {
      if ((await requestCounts()).token?.byStatus["200"] === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await emulator.admin("POST", "/clock", { advanceSeconds: 7_200 });
    const run = await running;
    await emulator.admin("POST", "/clock", { advanceSeconds: -7_200 });
    const failure = expectFailure(run, "HSM_UNAUTHORIZED");
    // Managed HSM answers an expired token with a bare challenge, not an error body (wire spec §4.1).
    expect(failure.message).toBe(
      "getKey: the HSM answered 401 with a new authentication challenge: it did not accept the access token, even after a fresh sign-in (expired, or for another tenant)",
    );
  });
});
