// Retries inside the deadline and the failures that only faults produce. One emulator, faults are
// global to it, so these tests run one after another and clear the faults each time.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  callCounts,
  createTestKey,
  expectFailureCode,
  expectNoSecrets,
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
  const failure = expectFailureCode(run, code);
  // The catalogue's fix, with the HSM's name filled in where it has a placeholder.
  const fix = failureCatalogue[code].fix
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("<hsm-name>", "[a-z0-9-]+");
  expect(failure.fix).toMatch(new RegExp(`^${fix}$`));
  expectNoSecrets(run, []);
  return failure;
}

/** The request log as `operation:status` lines, oldest first. */
async function logLines(): Promise<string[]> {
  const log = (await emulator.admin("GET", "/requests")).json as {
    entries: { operation: string; status: number }[];
  };
  return log.entries.map((entry) => `${entry.operation}:${entry.status}`);
}

describe("preflight retries and fault classes", { timeout: 60_000 }, () => {
  it("rides out two 429s (Retry-After: 1) on encrypt and a 503 on decrypt inside the deadline", async () => {
    await addFault({ kind: "throttle", operation: "encrypt", count: 2, retryAfterSeconds: 1 });
    await addFault({ kind: "unavailable", operation: "decrypt", count: 1 });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "10s" } });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    // Exactly the minimum plus one request per transient failure.
    expect(callCounts(run)).toMatchObject({ hsmCalls: 5 + 3, encrypt: 3, decrypt: 3, getKey: 1 });
    const counts = await requestCounts();
    expect(counts.encrypt?.byStatus).toEqual({ "200": 1, "429": 2 });
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
    // The reset happened (status 0: dropped without an answer), then the same encrypt succeeded.
    expect((await requestCounts()).encrypt?.byStatus).toEqual({ "0": 1, "200": 1 });
    const lines = await logLines();
    expect(lines.indexOf("encrypt:0")).toBeLessThan(lines.indexOf("encrypt:200"));
    // The client saw one encrypt answer (its challenge is counted apart): the reset one never answered.
    expect(callCounts(run)).toMatchObject({ encrypt: 1 });
  });

  it("rides out a connection reset from Entra ID, as it does the HSM's", async () => {
    await addFault({ kind: "reset", operation: "token", count: 1 });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "10s" } });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect((await requestCounts()).token?.byStatus).toEqual({ "0": 1, "200": 1 });
  });

  it("THROTTLED: 429s until the deadline stop early, with few calls", async () => {
    await addFault({ kind: "throttle", operation: "getKey", retryAfterSeconds: 1 });
    const run = await runPreflightCli(emulator, {
      keyName,
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "5s" },
    });
    const failure = expectFailure(run, "THROTTLED");
    expect(failure.message).toContain("the HSM answered 429 (throttled) until the deadline");
    // Attempts one second apart (the budget includes start-up); the next wait would overrun the
    // deadline, so it gives up rather than sleep past it.
    const getKeys = (await requestCounts()).getKey?.byStatus ?? {};
    expect(getKeys["429"]).toBeGreaterThanOrEqual(2);
    expect(getKeys["429"]).toBeLessThanOrEqual(5);
    expect(run.stderr).toMatch(/x-ms-request-id=[0-9a-f-]{36}/);
  });

  it("THROTTLED: Entra ID answers 429 to every token request until the deadline", async () => {
    await addFault({ kind: "throttle", operation: "token", retryAfterSeconds: 1 });
    const run = await runPreflightCli(emulator, {
      keyName,
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "4s" },
    });
    const failure = expectFailure(run, "THROTTLED");
    expect(failure.message).toContain(
      "Entra ID answered 429 (throttled) until the deadline (last: AADSTS90033",
    );
    // MSAL holds requests back for Retry-After itself, so Entra sees about one request per second.
    expect((await requestCounts()).token?.total).toBeLessThanOrEqual(5);
  });

  it("ENTRA_UNAVAILABLE: Entra ID answers 503 until the deadline", async () => {
    await addFault({ kind: "unavailable", operation: "token" });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "4s" } });
    const failure = expectFailure(run, "ENTRA_UNAVAILABLE");
    expect(failure.message).toContain("Entra ID could not issue a token until the deadline");
  });

  it("HSM_UNAVAILABLE: 503s until the deadline, with a bounded number of calls", async () => {
    await addFault({ kind: "unavailable", operation: "encrypt" });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "4s" } });
    expectFailure(run, "HSM_UNAVAILABLE");
    const encrypts = (await requestCounts()).encrypt?.byStatus ?? {};
    // Jittered exponential backoff from 250 ms: a handful of attempts in what is left of four seconds.
    expect(encrypts["503"]).toBeGreaterThanOrEqual(2);
    expect(encrypts["503"]).toBeLessThanOrEqual(8);
  });

  it("TIMEOUT: a call still running when --timeout passes", async () => {
    await addFault({ kind: "latency", operation: "getKey", latencyMs: 20_000 });
    const run = await runPreflightCli(emulator, { keyName, args: ["--timeout", "4s"] });
    const failure = expectFailure(run, "TIMEOUT");
    expect(failure.message).toContain("getKey did not succeed within 4000 ms");
  });

  it("HSM_RESPONSE_INVALID: a truncated JSON body", async () => {
    await addFault({ kind: "malformed-json", operation: "encrypt" });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "HSM_RESPONSE_INVALID");
  });

  it("HSM_RESPONSE_INVALID, not KEY_NOT_FOUND: the get-key response names another key", async () => {
    await addFault({ kind: "wrong-kid", operation: "getKey" });
    const run = await runPreflightCli(emulator, { keyName });
    const failure = expectFailure(run, "HSM_RESPONSE_INVALID");
    expect(failure.message).toBe(
      `getKey: the key bundle's kid names key wrong-kid-fault, not a version of key '${keyName}' in localhsm.managedhsm.azure.net`,
    );
    // Nothing was sent to the key the response named.
    expect((await logLines()).filter((line) => !/^(getKey|token|issuer):/.test(line))).toEqual([]);
  });

  it("PROXY: the proxy answers the CONNECT to the HSM 403", async () => {
    await addFault({ kind: "proxy-forbidden", operation: "connect-hsm" });
    const run = await runPreflightCli(emulator, { keyName });
    const failure = expectFailure(run, "PROXY");
    expect(failure.message).toMatch(
      /^getKey: the proxy HTTPS_PROXY \(http:\/\/127\.0\.0\.1:\d+\) answered 403 for localhsm\.managedhsm\.azure\.net:443 instead of the HSM/,
    );
    // The first connection and its spare (dialled beside it) are both refused; nothing is retried.
    expect(await logLines()).toEqual(["connect-hsm:403", "connect-hsm:403"]);
  });

  it("PROXY: the proxy wants credentials (407) for the token request to Entra ID", async () => {
    await addFault({ kind: "proxy-auth-required", operation: "connect-entra" });
    const run = await runPreflightCli(emulator, { keyName });
    const failure = expectFailure(run, "PROXY");
    expect(failure.message).toMatch(
      /^getKey: the proxy HTTPS_PROXY \(http:\/\/127\.0\.0\.1:\d+\) answered 407 for login\.microsoftonline\.com:443 instead of Entra ID/,
    );
    expect(await logLines()).toContain("connect-entra:407");
  });

  it("PROXY: the proxy cannot reach Entra ID (502), named at once", async () => {
    await addFault({ kind: "proxy-bad-gateway", operation: "connect-entra" });
    const run = await runPreflightCli(emulator, { keyName, env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "60s" } });
    const failure = expectFailure(run, "PROXY");
    expect(failure.message).toContain("answered 502 for login.microsoftonline.com:443");
    expect(await logLines()).toContain("connect-entra:502");
  });

  it("PROXY: the proxy refuses a host it does not serve", async () => {
    const run = await runPreflightCli(emulator, {
      keyName,
      url: "https://otherhsm.managedhsm.azure.net/",
    });
    const failure = expectFailure(run, "PROXY");
    expect(failure.message).toContain(
      "answered 403 for otherhsm.managedhsm.azure.net:443 instead of the HSM",
    );
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
