// The preflight's promise to the pod: whatever the emulator can break, the process ends within its
// timeout plus one second, with a classified exit status. One row per fault kind (the emulator's own
// list), applied to every request it can touch, plus the slow-Entra example. The elapsed time is
// measured only to assert that upper bound, the deadline contract; it is not a performance target.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultKind, faultKinds } from "../../src/emulator/faults/fault-plan.ts";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import { createTestKey, expectFailureCode, runPreflightCli } from "../helpers/preflight.ts";

const emulator = useEmulator();
const keyName = "deadline-key";
/** Room for a busy two-core machine to start Node and load the SDKs inside the budget. */
const timeoutMs = 6_000;

interface Row {
  readonly name: string;
  readonly kind: FaultKind;
  readonly fault?: Record<string, unknown>;
  readonly code: FailureCode;
  /** An entry the request log must show (operation:status), proving the fault fired. */
  readonly logged?: string;
}

const rows: readonly Row[] = [
  // Never answers anything: latency is a network round trip, so the first CONNECT already waits.
  {
    name: "every request held for ten minutes",
    kind: "latency",
    fault: { latencyMs: 600_000 },
    code: "TIMEOUT",
    logged: "connect-hsm:0",
  },
  {
    name: "Entra ID answering after 100 s",
    kind: "latency",
    fault: { operation: "token", latencyMs: 100_000 },
    code: "TIMEOUT",
    logged: "token:0",
  },
  { name: "429 from everything", kind: "throttle", code: "THROTTLED", logged: "token:429" },
  { name: "503 from everything", kind: "unavailable", code: "ENTRA_UNAVAILABLE", logged: "token:503" },
  { name: "every connection reset", kind: "reset", code: "ENTRA_UNAVAILABLE", logged: "token:0" },
  { name: "every body cut short", kind: "malformed-json", code: "ENTRA_UNAVAILABLE", logged: "token:200" },
  { name: "every kid another key's", kind: "wrong-kid", code: "HSM_RESPONSE_INVALID", logged: "getKey:200" },
  { name: "decrypt ignoring AAD", kind: "ignore-aad", code: "AAD_NOT_ENFORCED", logged: "decrypt:200" },
  {
    name: "decrypt flipping a bit",
    kind: "corrupt-plaintext",
    code: "ROUND_TRIP_FAILED",
    logged: "decrypt:200",
  },
  {
    name: "decrypt dropping a byte",
    kind: "truncate-plaintext",
    code: "ROUND_TRIP_FAILED",
    logged: "decrypt:200",
  },
  {
    name: "encrypt returning an 8-byte IV",
    kind: "short-iv",
    code: "ROUND_TRIP_FAILED",
    logged: "encrypt:200",
  },
  {
    name: "a proxy that never answers CONNECT",
    kind: "proxy-hang",
    code: "TIMEOUT",
    logged: "connect-hsm:0",
  },
  {
    name: "a proxy answering CONNECT 403",
    kind: "proxy-forbidden",
    code: "PROXY",
    logged: "connect-hsm:403",
  },
  {
    name: "a proxy answering CONNECT 407",
    kind: "proxy-auth-required",
    code: "PROXY",
    logged: "connect-hsm:407",
  },
  {
    name: "a proxy answering CONNECT 502",
    kind: "proxy-bad-gateway",
    code: "PROXY",
    logged: "connect-hsm:502",
  },
];

beforeAll(async () => {
  await createTestKey(emulator, keyName);
});

afterEach(async () => {
  await emulator.admin("DELETE", "/faults");
  await emulator.admin("DELETE", "/requests");
});

describe("the preflight ends within --timeout plus one second", { timeout: 60_000 }, () => {
  it("has a row for every fault kind the emulator can inject", () => {
    expect(new Set(rows.map((row) => row.kind))).toEqual(new Set(faultKinds));
  });

  it.each(rows)("$kind: $name → $code", async (row) => {
    expect((await emulator.admin("POST", "/faults", { kind: row.kind, ...row.fault })).status).toBe(201);
    const run = await runPreflightCli(emulator, {
      keyName,
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: `${timeoutMs}ms` },
    });
    expectFailureCode(run, row.code);
    expect(run.exitCode).not.toBe(failureCatalogue.UNEXPECTED.exitCode);
    expect(run.durationMs).toBeLessThanOrEqual(timeoutMs + 1_000);
    const log = (await emulator.admin("GET", "/requests")).json as {
      entries: { operation: string; status: number }[];
    };
    expect(log.entries.map((entry) => `${entry.operation}:${entry.status}`)).toContain(row.logged);
  });
});
