// The round-trip failures end to end: the emulator's crypto-path faults make the HSM answer 200 with
// wrong cryptography, and `spirl-keywrap preflight` (a child process configured only through the
// environment) must stop with the right class. Faults are global to the one emulator, so these tests run
// one after another and clear the faults each time.
import { readFile } from "node:fs/promises";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  createTestKey,
  expectFailureCode,
  expectNoSecrets,
  type PreflightRun,
  recordWireSecrets,
  runPreflightCli,
  type WireSecrets,
} from "../helpers/preflight.ts";

const emulator = useEmulator();
const keyName = "round-trip-key";
/** The pod's federated token and an access token for the same identity. */
let identitySecrets: string[] = [];
let wire: WireSecrets;

beforeAll(async () => {
  await createTestKey(emulator, keyName);
  const tokenFile = emulator.handle.env.AZURE_FEDERATED_TOKEN_FILE ?? "";
  identitySecrets = [(await readFile(tokenFile, "utf8")).trim(), await emulator.accessToken()];
});

beforeEach(() => {
  wire = recordWireSecrets(emulator);
});

afterEach(async () => {
  wire.stop();
  await emulator.admin("DELETE", "/faults");
  await emulator.admin("DELETE", "/requests");
});

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const response = await emulator.admin("POST", "/faults", fault);
  expect(response.status).toBe(201);
}

async function statuses(operation: string): Promise<Record<string, number>> {
  const { counts } = (await emulator.admin("GET", "/requests")).json as {
    counts: Record<string, { byStatus: Record<string, number> }>;
  };
  return counts[operation]?.byStatus ?? {};
}

/**
 * Asserts the classified failure: code, exit status, the catalogue's fix, the HSM's request id, and that
 * neither the identity's tokens nor any byte of the round trip (plaintext, AAD, ciphertext, IV, tag) leaked.
 */
function expectFailure(run: PreflightRun, code: FailureCode, messageIncludes: string): void {
  const failure = expectFailureCode(run, code);
  expect(failure.message).toContain(messageIncludes);
  expect(failure.fix).toBe(failureCatalogue[code].fix);
  expect(run.stderr).toMatch(/x-ms-request-id=[0-9a-f-]{36}/);
  const wireSecrets = wire.secrets();
  // At least the encrypt result's ciphertext, IV, tag and AAD, each in three forms.
  expect(wireSecrets.length).toBeGreaterThanOrEqual(12);
  expectNoSecrets(run, [...identitySecrets, ...wireSecrets]);
}

describe("preflight round-trip failures through the emulator's crypto faults", { timeout: 60_000 }, () => {
  it("ROUND_TRIP_FAILED: decrypt returns other bytes (corrupt-plaintext)", async () => {
    await addFault({ kind: "corrupt-plaintext", operation: "decrypt", hsm: "localhsm" });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "ROUND_TRIP_FAILED", "returned different bytes instead of the 32 encrypted");
    // It stops at the first decrypt: no negative decrypt follows.
    expect(await statuses("decrypt")).toMatchObject({ "200": 1 });
  });

  it("ROUND_TRIP_FAILED: decrypt drops the last byte (truncate-plaintext)", async () => {
    await addFault({ kind: "truncate-plaintext", operation: "decrypt", count: 1 });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "ROUND_TRIP_FAILED", "returned 31 bytes instead of the 32 encrypted");
  });

  it("ROUND_TRIP_FAILED: encrypt returns an 8-byte IV (short-iv), and nothing is decrypted", async () => {
    await addFault({ kind: "short-iv", operation: "encrypt", count: 1 });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "ROUND_TRIP_FAILED", "A256GCM encrypt: IV is 8 bytes (expected 12)");
    expect(await statuses("decrypt")).toEqual({});
  });

  it("AAD_NOT_ENFORCED: decrypt with altered AAD succeeds (ignore-aad)", async () => {
    await addFault({ kind: "ignore-aad", operation: "decrypt" });
    const run = await runPreflightCli(emulator, { keyName });
    expectFailure(run, "AAD_NOT_ENFORCED", "succeeded with altered AAD; the HSM must refuse it");
    // The good decrypt and the negative one both answered 200.
    expect(await statuses("decrypt")).toMatchObject({ "200": 2 });
  });

  it("passes once the faults are gone (the same key, the same emulator)", async () => {
    const run = await runPreflightCli(emulator, { keyName });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(await statuses("decrypt")).toMatchObject({ "200": 1, "400": 1 });
    expectNoSecrets(run, [...identitySecrets, ...wire.secrets()]);
  });
});
