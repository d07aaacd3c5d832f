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
  it("uses one HSM connection (one CONNECT, one TLS handshake) and one challenge for all its requests", async () => {
    await emulator.admin("DELETE", "/requests");
    // A drawn latency fault is what logs each CONNECT; 0 ms adds nothing.
    expect((await emulator.admin("POST", "/faults", { kind: "latency", latencyMs: 0 })).status).toBe(201);
    try {
      const run = await runPreflightCli(emulator, { keyName });
      expect(run.exitCode, run.stderr).toBe(0);
      const { entries } = (await emulator.admin("GET", "/requests")).json as { entries: LogEntry[] };
      const hsm = entries.filter((entry) => entry.hsm !== undefined);
      expect(hsm.filter((entry) => entry.operation === "connect-hsm")).toHaveLength(1);
      // Over it: one challenge for the HSM (the crypto client is handed the key client's), then the key
      // read, the round trip and the negative, nothing else.
      expect(
        hsm
          .filter((entry) => entry.operation !== "connect-hsm")
          .map((entry) => `${entry.operation}:${entry.status}`)
          .sort(),
      ).toEqual(["decrypt:200", "decrypt:400", "encrypt:200", "getKey:200", "getKey:401"]);
    } finally {
      await emulator.admin("DELETE", "/faults");
    }
  });
});
