// The single-file bundle the image runs behaves like the source: built as `npm run build` does, run in a pod-like child.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPreflight } from "../../scripts/build-preflight.ts";
import { useEmulator } from "../helpers/emulator.ts";
import { callCounts, createTestKey, emulatorHsmUrl, runWithEmulatorEnv } from "../helpers/preflight.ts";

const emulator = useEmulator();
const dir = await mkdtemp(join(tmpdir(), "preflight-bundle-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("dist/preflight.mjs", { timeout: 60_000 }, () => {
  it("is one file under 1.5 MB that passes the preflight on its own", async () => {
    const bundle = join(dir, "preflight.mjs");
    expect(await buildPreflight(bundle)).toBeLessThan(1_500_000);
    const version = await createTestKey(emulator, "bundle-key");
    const url = await emulatorHsmUrl(emulator);
    const run = await runWithEmulatorEnv(emulator, [bundle], {
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: url,
      SPIRL_KEYWRAP_AZURE_KEY_NAME: "bundle-key",
      SPIRL_KEYWRAP_LOG_LEVEL: "debug",
      // Nothing to resolve from: the bundle must not need node_modules.
      NODE_PATH: "/nonexistent",
    });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(
      `Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=bundle-key`,
    );
    expect(run.stdout).toContain(`keyVersion=${version}`);
    expect(callCounts(run).hsmCalls).toBe(6);
  });
});
