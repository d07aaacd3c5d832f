// Key rotation between runs: unpinned runs follow the latest version, a pinned run keeps its version.
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.ts";
import { createTestKey, emulatorHsmUrl, runPreflightCli } from "../helpers/preflight.ts";

const emulator = useEmulator();

describe("preflight across a key rotation", { timeout: 60_000 }, () => {
  it("checks the new latest version after a rotation, and a pinned old version still passes", async () => {
    const url = await emulatorHsmUrl(emulator);
    const first = await createTestKey(emulator, "rotating-key");
    const before = await runPreflightCli(emulator, { keyName: "rotating-key" });
    expect(before.exitCode).toBe(0);
    expect(before.stdout).toContain(`keyVersion=${first} kid=${url}keys/rotating-key/${first}`);

    const second = await createTestKey(emulator, "rotating-key");
    expect(second).not.toBe(first);
    const after = await runPreflightCli(emulator, { keyName: "rotating-key" });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain(`keyVersion=${second} kid=${url}keys/rotating-key/${second}`);

    const pinned = await runPreflightCli(emulator, { keyName: "rotating-key", keyVersion: first });
    expect(pinned.exitCode).toBe(0);
    expect(pinned.stdout.split("\n")[0]).toBe(
      `Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=rotating-key keyVersion=${first}`,
    );
    expect(pinned.stdout).toContain(`keyVersion=${first} kid=${url}keys/rotating-key/${first}`);
    // The pinned run's crypto went to the pinned version's path, never to the versionless "latest".
    const log = (await emulator.admin("GET", "/requests")).json as {
      entries: { path: string; operation: string }[];
    };
    const cryptoPaths = log.entries
      .filter((entry) => /crypt$/.test(entry.operation))
      .map((entry) => entry.path);
    expect(cryptoPaths.every((path) => /\/keys\/rotating-key\/[0-9a-f]{32}\/(en|de)crypt$/.test(path))).toBe(
      true,
    );
    // Two runs on the first version, each: encrypt, decrypt, negative decrypt (the challenge was the getKey's).
    expect(cryptoPaths.filter((path) => path.includes(first))).toHaveLength(2 * 3);
  });
});
