// The requests one passing run makes, from the emulator's log: what the preflight costs on the wire.
// Behaviour only (counts), never time: the benchmark (`npm run bench:preflight`) reports the time.
import { beforeAll, describe, expect, it } from "vitest";
import type { RequestLogEntry as LogEntry } from "../../src/emulator/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import { createTestKey, loggedRun, runPreflightCli } from "../helpers/preflight.ts";

const emulator = useEmulator();
const keyName = "requests-key";

/** The one entry of `operation` answered with `status`. */
function only(entries: readonly LogEntry[], operation: string, status: number): LogEntry {
  const found = entries.filter((entry) => entry.operation === operation && entry.status === status);
  expect(found, `${operation}:${status} in ${JSON.stringify(entries)}`).toHaveLength(1);
  return found[0] as LogEntry;
}

/** True when each of the two requests arrived before the other was answered: they were in flight together. */
function overlap(a: LogEntry, b: LogEntry): boolean {
  const answered = (entry: LogEntry) => Date.parse(entry.answered ?? "");
  return Date.parse(a.time) < answered(b) && Date.parse(b.time) < answered(a);
}

/** One passing run of the CLI under an added round trip, returning the emulator's log of it. */
const loggedCliRun = (latencyMs: number) =>
  loggedRun(emulator, latencyMs, () => runPreflightCli(emulator, { keyName }));

beforeAll(async () => {
  await createTestKey(emulator, keyName);
});

describe("the requests of one passing preflight", { timeout: 60_000 }, () => {
  it("uses two HSM connections, dialled together, and one challenge for all its requests", async () => {
    {
      const entries = await loggedCliRun(0);
      const hsm = entries.filter((entry) => entry.hsm !== undefined);
      // The first connection and its spare (for the two decrypts in flight together); no third.
      expect(hsm.filter((entry) => entry.operation === "connect-hsm")).toHaveLength(2);
      // Over them: one challenge for the HSM (the crypto client is handed the key client's), then the key
      // read, the round trip and the negative, nothing else.
      expect(
        hsm
          .filter((entry) => entry.operation !== "connect-hsm")
          .map((entry) => `${entry.operation}:${entry.status}`)
          .sort(),
      ).toEqual(["decrypt:200", "decrypt:400", "encrypt:200", "getKey:200", "getKey:401"]);
    }
  });

  it("asks Entra for its token while the HSM's connection and challenge are in flight", async () => {
    const entries = await loggedCliRun(50);
    const challenge = only(entries, "getKey", 401);
    const token = only(entries, "token", 200);
    // Before, the token was asked for only after the challenge's answer named the resource.
    expect(overlap(token, challenge), JSON.stringify({ token, challenge })).toBe(true);
    const [first, spare] = entries.filter((entry) => entry.operation === "connect-hsm");
    expect(overlap(only(entries, "connect-entra", 200), first as LogEntry)).toBe(true);
    // The spare is dialled beside the first connection, not when the second decrypt needs it.
    expect(overlap(first as LogEntry, spare as LogEntry), JSON.stringify({ first, spare })).toBe(true);
  });

  it("sends the decrypt and the negative decrypt together, on the two connections", async () => {
    const entries = await loggedCliRun(100);
    const decrypt = only(entries, "decrypt", 200);
    const negative = only(entries, "decrypt", 400);
    expect(overlap(decrypt, negative), JSON.stringify({ decrypt, negative })).toBe(true);
    // Neither waited for a connection of its own: there are still only the two dialled at the start.
    expect(entries.filter((entry) => entry.operation === "connect-hsm")).toHaveLength(2);
  });

  // The spare is dialled first, so a one-shot hang meets its CONNECT: the request that would have taken it
  // dials its own instead of waiting (it waited until its attempt timed out, past this run's 5 s budget).
  it("passes when the spare's CONNECT is never answered", async () => {
    await emulator.admin("DELETE", "/requests");
    const fault = { kind: "proxy-hang", operation: "connect-hsm", count: 1 };
    expect((await emulator.admin("POST", "/faults", fault)).status).toBe(201);
    // What logs each CONNECT (see loggedRun).
    expect((await emulator.admin("POST", "/faults", { kind: "latency", latencyMs: 0 })).status).toBe(201);
    try {
      const run = await runPreflightCli(emulator, { keyName, args: ["--timeout", "5s"] });
      expect(run.exitCode, run.stderr).toBe(0);
      const entries = ((await emulator.admin("GET", "/requests")).json as { entries: LogEntry[] }).entries;
      // The first connection and the negative's own; the hung spare never answered.
      expect(
        entries.filter((entry) => entry.operation === "connect-hsm" && entry.status === 200),
      ).toHaveLength(2);
      // The fault fired on the spare: the first CONNECT, never answered (logged with status 0).
      expect(entries.find((entry) => entry.operation === "connect-hsm")?.status).toBe(0);
      expect(only(entries, "decrypt", 400).status).toBe(400);
    } finally {
      await emulator.admin("DELETE", "/faults");
    }
  });
});
