// The single-file bundle the image runs behaves like the source: built as `npm run build` does, run in a pod-like child.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPreflight } from "../../scripts/build-preflight.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  callCounts,
  createTestKey,
  emulatorHsmUrl,
  expectFailureCode,
  runWithEmulatorEnv,
} from "../helpers/preflight.ts";

const emulator = useEmulator();
const dir = await mkdtemp(join(tmpdir(), "preflight-bundle-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const bundle = join(dir, "preflight.mjs");

describe("dist/preflight.mjs", { timeout: 60_000 }, () => {
  it("is one file under 1.5 MB that passes the preflight on its own", async () => {
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
    expect(callCounts(run).hsmCalls).toBe(5);
  });

  // zod was 440 KB of a 1 MB bundle; the preflight judges its settings with the rules generated from the
  // model (src/preflight/key-vault-rules.generated.ts) instead.
  it("leaves zod out", async () => {
    const text = await readFile(bundle, "utf8");
    expect(text).not.toContain("$ZodType");
    expect(text).not.toContain("ZodError");
  });

  // The bundle's own entry exits after the verdict too: a proxy that never answers CONNECT leaves a socket
  // open, which kept the process (the init container) alive long after it printed TIMEOUT.
  it("exits with TIMEOUT at its deadline while a proxy holds the CONNECT open", async () => {
    expect((await emulator.admin("POST", "/faults", { kind: "proxy-hang" })).status).toBe(201);
    const timeoutMs = 5_000;
    const run = await runWithEmulatorEnv(emulator, [bundle], {
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: await emulatorHsmUrl(emulator),
      SPIRL_KEYWRAP_AZURE_KEY_NAME: "bundle-key",
      SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: `${timeoutMs}ms`,
      NODE_PATH: "/nonexistent",
    });
    await emulator.admin("DELETE", "/faults");
    expectFailureCode(run, "TIMEOUT");
    expect(run.durationMs).toBeLessThanOrEqual(timeoutMs + 1_000);
  });
});
