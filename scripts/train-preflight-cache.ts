// Trains the preflight's code cache (src/cli/code-cache-launcher.ts): one real preflight, run by the
// launcher against the local Managed HSM + Entra ID emulator, writes the cache at its exit. `npm run build`
// trains dist/ this way; the Dockerfile runs the bundled trainer (dist/train-preflight-cache.mjs, written by
// `npm run build:bundles`) with the final image's own Node, whose V8 alone can read the cache:
//   node dist/train-preflight-cache.mjs <folder>/preflight.mjs
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseEnvFile, startEmulator } from "../src/emulator/index.ts";

const keyName = "code-cache-training";

/**
 * Drops the launcher's old caches (made for earlier bundles: never read again) and trains a new one with
 * a passing preflight. Returns the cache file the launcher reports it wrote; throws when the run fails or
 * writes none.
 */
export async function trainPreflightCache(launcher: string): Promise<string> {
  await rm(join(dirname(launcher), "code-cache"), { recursive: true, force: true });
  const dir = await mkdtemp(join(tmpdir(), "train-preflight-cache-"));
  const emulator = await startEmulator({ envFile: join(dir, "emulator.env") });
  try {
    await emulator.admin("POST", `/hsms/localhsm/keys/${keyName}`, {});
    const env = {
      ...parseEnvFile(await readFile(join(dir, "emulator.env"), "utf8")),
      PATH: process.env.PATH ?? "",
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: `${emulator.env.AZURE_KEYVAULT_URL}/`,
      SPIRL_KEYWRAP_AZURE_KEY_NAME: keyName,
      NODE_DEBUG: "spirl-code-cache",
    };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [launcher], { env }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`the training preflight failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
      },
    );
    const written = /^SPIRL-CODE-CACHE \d+: wrote (\S+)$/m.exec(stderr)?.[1];
    if (!stdout.includes("Preflight passed") || written === undefined)
      throw new Error(`the training preflight wrote no code cache:\n${stdout}${stderr}`);
    return written;
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const launcher = process.argv[2];
  if (launcher === undefined) {
    console.error("usage: train-preflight-cache <folder>/preflight.mjs");
    process.exit(2);
  }
  console.log(`wrote ${await trainPreflightCache(resolve(launcher))}`);
}
