// The requests one passing run makes, from the emulator's log: what the preflight costs on the wire.
// Behaviour only (counts), never time: the benchmark (`npm run bench:preflight`) reports the time.
import { beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.ts";
import { createTestKey, runPreflightCli } from "../helpers/preflight.ts";

const emulator = useEmulator();
const keyName = "requests-key";

interface LogEntry {
  readonly operation: string;
  readonly status: number;
  readonly hsm?: string;
}

beforeAll(async () => {
  await createTestKey(emulator, keyName);
});

describe("the requests of one passing preflight", { timeout: 60_000 }, () => {
  it("uses one connection (one CONNECT tunnel, one TLS handshake) to the HSM for all its requests", async () => {
    await emulator.admin("DELETE", "/requests");
    // A drawn latency fault is what logs each CONNECT; 0 ms adds nothing.
    expect((await emulator.admin("POST", "/faults", { kind: "latency", latencyMs: 0 })).status).toBe(201);
    try {
      const run = await runPreflightCli(emulator, { keyName });
      expect(run.exitCode, run.stderr).toBe(0);
      const { entries } = (await emulator.admin("GET", "/requests")).json as { entries: LogEntry[] };
      const hsm = entries.filter((entry) => entry.hsm !== undefined);
      expect(hsm.filter((entry) => entry.operation === "connect-hsm")).toHaveLength(1);
      // The run did reach the HSM over it: key read, round trip and negative.
      expect(hsm.map((entry) => `${entry.operation}:${entry.status}`)).toEqual(
        expect.arrayContaining(["getKey:200", "encrypt:200", "decrypt:200", "decrypt:400"]),
      );
    } finally {
      await emulator.admin("DELETE", "/faults");
    }
  });
});
