// The bundle the image runs behaves like the source: built as `npm run build` does (a launcher, one bundle and
// Node's compile cache), run in a pod-like child.
import { execFile } from "node:child_process";
import { chmod, chown, cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
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

/** `node <launcher> --help` with Node's compile-cache trace on: what it printed on stdout and what the cache did. */
async function helpWithCacheTrace(
  launcher: string,
  user?: number,
): Promise<{ stdout: string; trace: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_DEBUG_NATIVE: "COMPILE_CACHE" };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [launcher, "--help"], {
    env,
    ...(user !== undefined && { uid: user, gid: user }),
  });
  return { stdout, trace: stderr };
}

/** A copy of the built folder without its cache, readable by everyone. */
async function copyWithoutCache(prefix: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), prefix));
  await cp(dir, copy, { recursive: true, filter: (source) => !source.endsWith("compile-cache") });
  await chmod(copy, 0o755);
  return copy;
}

/** Gives `path` and everything under it `mode` and root as owner (COPY --chown=0:0 --chmod). */
async function chmodTree(path: string, mode: number): Promise<void> {
  await chown(path, 0, 0);
  await chmod(path, mode);
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    const child = join(entry.parentPath, entry.name);
    await chown(child, 0, 0);
    await chmod(child, mode);
  }
}

describe("dist/preflight.mjs", { timeout: 60_000 }, () => {
  it("is a launcher and one bundle under 1.5 MB that passes the preflight on its own", async () => {
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

  it("starts from Node's compile cache, filled by the build", async () => {
    const { stdout, trace } = await helpWithCacheTrace(bundle);
    expect(stdout).toMatch(/^Usage: spirl-keywrap preflight/);
    expect(trace).toMatch(/V8 code cache for ESM file:\/\/\S+\/preflight\.main\.mjs was accepted/);
  });

  it("never uses a cache entry made for other bundle content: it compiles anew and replaces it", async () => {
    const copy = await copyWithoutCache("preflight-stale-cache-");
    try {
      // The copy's own entry (entries are per path), then the bundle changes under it.
      const launcher = join(copy, "preflight.mjs");
      expect((await helpWithCacheTrace(launcher)).trace).toMatch(
        /writing cache for ESM \S+preflight\.main\.mjs/,
      );
      // Same size, one byte changed: only the content hash tells them apart.
      const main = join(copy, "preflight.main.mjs");
      const text = await readFile(main, "utf8");
      await writeFile(main, `${text.slice(0, -1)}${text.endsWith("\n") ? " " : "\n"}`);
      const { stdout, trace } = await helpWithCacheTrace(launcher);
      expect(trace).toMatch(/preflight\.main\.mjs\.\.\.\[[\d ]+\]\.\.\.code hash mismatch/);
      expect(trace).not.toMatch(/was accepted/);
      expect(stdout).toMatch(/^Usage: spirl-keywrap preflight/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  // What the Dockerfile does: the image's user (65532) fills the cache at build, root then owns it read-only.
  // Node files entries under the user id, so a cache filled by root is never read by that user. Switching
  // users needs root, as the pods tests do: run as another user, this fails (EPERM) rather than skips.
  it("is read by the image's user from a read-only cache that user filled, not from one root filled", async () => {
    const copy = await copyWithoutCache("preflight-user-cache-");
    const launcher = join(copy, "preflight.mjs");
    const user = 65532;
    try {
      await helpWithCacheTrace(launcher);
      expect((await helpWithCacheTrace(launcher, user)).trace).not.toMatch(/was accepted/);
      await rm(join(copy, "compile-cache"), { recursive: true });
      await chown(copy, user, user);
      expect((await helpWithCacheTrace(launcher, user)).trace).toMatch(/writing cache for ESM/);
      await chown(copy, 0, 0);
      await chmodTree(join(copy, "compile-cache"), 0o555);
      const { stdout, trace } = await helpWithCacheTrace(launcher, user);
      expect(trace).toMatch(/V8 code cache for ESM file:\/\/\S+\/preflight\.main\.mjs was accepted/);
      expect(stdout).toMatch(/^Usage: spirl-keywrap preflight/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  // What the build leaves out of the bundle, each by a string only it carries:
  // - zod (440 KB of a 1 MB bundle): the preflight judges its settings with the rules generated from the
  //   model (src/preflight/key-vault-rules.generated.ts);
  // - the global FormData, which loads undici (~8 ms of the start): nothing here builds a FormData body,
  //   so the build defines it away and the SDK pipeline's `typeof FormData` checks are constant false.
  it.each([
    { left: "zod", strings: ["$ZodType", "ZodError"] },
    { left: "the global FormData", strings: [/\bFormData\b/] },
  ])("leaves $left out", async ({ strings }) => {
    const text = await readFile(join(dir, "preflight.main.mjs"), "utf8");
    for (const string of strings)
      typeof string === "string" ? expect(text).not.toContain(string) : expect(text).not.toMatch(string);
  });

  // Reading the global FormData loaded undici (~8 ms of the start), on the first request.
  it("passes without loading undici", async () => {
    const probe = `data:text/javascript,process.on("exit",()=>process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m)=>/undici/.test(m)))))`;
    const run = await runWithEmulatorEnv(emulator, ["--import", probe, bundle], {
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: await emulatorHsmUrl(emulator),
      SPIRL_KEYWRAP_AZURE_KEY_NAME: "bundle-key",
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stderr)).toEqual([]);
  });

  // Left out because the image signs in with Workload Identity only, each by its own words:
  // - DefaultAzureCredential builds its whole chain (developer tools, managed identity) to use one
  //   credential, about 20 ms of the start (its message when no credential gives a token, its check of
  //   AZURE_TOKEN_CREDENTIALS);
  // - MSAL needs jsonwebtoken only for certificate credentials; with it went semver's start-up (~7 ms).
  //   The stub that stands in for it is there instead.
  it.each([
    {
      left: "DefaultAzureCredential",
      strings: [
        "failed to retrieve a token from the included credentials",
        "Invalid value for AZURE_TOKEN_CREDENTIALS",
      ],
      instead: undefined,
    },
    {
      left: "jsonwebtoken",
      strings: ["JsonWebTokenError"],
      instead: "no certificate credentials here: this bundle signs in with Workload Identity only",
    },
  ])("leaves $left out", async ({ strings, instead }) => {
    const text = await readFile(join(dir, "preflight.main.mjs"), "utf8");
    for (const string of strings) expect(text).not.toContain(string);
    if (instead !== undefined) expect(text).toContain(instead);
  });

  it("refuses an AZURE_TOKEN_CREDENTIALS that picks another credential, before any request", async () => {
    await emulator.admin("DELETE", "/requests");
    const run = await runWithEmulatorEnv(emulator, [bundle], {
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: await emulatorHsmUrl(emulator),
      SPIRL_KEYWRAP_AZURE_KEY_NAME: "bundle-key",
      AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential\u001b[2J",
    });
    const failure = expectFailureCode(run, "WORKLOAD_IDENTITY_MISSING");
    expect(failure.message).toBe(
      "AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential\\x1b[2J picks another credential; the image signs in with Workload Identity only (the spirl-keywrap CLI honours the variable)",
    );
    expect(failure.fix).toBe(
      "Remove AZURE_TOKEN_CREDENTIALS from the pod, or set it to WorkloadIdentityCredential.",
    );
    expect(((await emulator.admin("GET", "/requests")).json as { entries: unknown[] }).entries).toEqual([]);
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
