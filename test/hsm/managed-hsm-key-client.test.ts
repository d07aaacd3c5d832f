import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.ts";
import { runWithEmulatorEnv } from "../helpers/preflight.ts";

const emulator = useEmulator();
const fixture = new URL("./fixtures/key-client.ts", import.meta.url).pathname;

async function runFixture(scenario: string, keyName: string): Promise<Record<string, unknown>> {
  const run = await runWithEmulatorEnv(emulator, [fixture, scenario, keyName]);
  if (run.exitCode !== 0) throw new Error(`key-client ${scenario} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("ManagedHsmKeyClient against the emulator", { timeout: 60_000 }, () => {
  it("decrypts with the kid encrypt returned after a rotation, without drifting to the latest version", async () => {
    const result = await runFixture("rotation", "client-rotation");
    expect(result.rotatedVersion).not.toBe(result.firstVersion);
    expect(result.latestVersion).toBe(result.rotatedVersion);
    expect(result.sealedKid).toMatch(new RegExp(`/keys/client-rotation/${result.firstVersion}$`));
    expect(result).toMatchObject({ ivLength: 12, tagLength: 16, opened: "dek-bytes-0123456789abcdef012345" });
    const log = (await emulator.admin("GET", "/requests")).json as {
      entries: { path: string; operation: string; status: number }[];
    };
    const decrypts = log.entries.filter((entry) => entry.operation === "decrypt" && entry.status === 200);
    expect(decrypts.map((entry) => entry.path)).toEqual([
      `/keys/client-rotation/${result.firstVersion}/decrypt`,
    ]);
  });
});
