// The bundle the image runs behaves like the source: built as `npm run build` does (a launcher, one bundle and
// the V8 code cache a real run trained), run in a pod-like child.
import { execFile } from "node:child_process";
import { chmod, chown, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { buildPreflight, buildTrainer } from "../../scripts/build-preflight.ts";
import { preflightNodeOptions } from "../../src/local-cluster/project-images.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  callCounts,
  createTestKey,
  emulatorHsmUrl,
  expectFailureCode,
  loggedRun,
  runWithEmulatorEnv,
} from "../helpers/preflight.ts";

const emulator = useEmulator();
const dir = await mkdtemp(join(tmpdir(), "preflight-bundle-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const bundle = join(dir, "preflight.mjs");

/** `node <launcher> --help` with the launcher's cache trace on: what it printed on stdout and what the cache did. */
async function helpWithCacheTrace(
  launcher: string,
  user?: number,
  nodeArgs: readonly string[] = [],
): Promise<{ stdout: string; trace: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_DEBUG: "spirl-code-cache" };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [...nodeArgs, launcher, "--help"], {
    env,
    ...(user !== undefined && { uid: user, gid: user }),
  });
  return { stdout, trace: stderr };
}

/** A copy of the built folder without its cache, readable by everyone. */
async function copyWithoutCache(prefix: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), prefix));
  await cp(dir, copy, { recursive: true, filter: (source) => !source.endsWith("code-cache") });
  await chmod(copy, 0o755);
  return copy;
}

/** The one cache file in `folder`'s code-cache/. */
async function cacheFile(folder: string): Promise<string> {
  const names = await readdir(join(folder, "code-cache"));
  expect(names).toHaveLength(1);
  return join(folder, "code-cache", names[0] ?? "");
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

const accepted = /SPIRL-CODE-CACHE \d+: cache \S+preflight\.main\.cjs-[0-9a-f]{32}-v[\d.]+-\w+\.bin accepted/;

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

  // Entra's path is the longer one (its token takes longest), so the token's request goes out first and
  // the HSM's connections are dialled after it (the CONNECTs' order in the emulator's log; no time asserted).
  it("dials Entra before the HSM", async () => {
    const entries = await loggedRun(emulator, 20, async () =>
      runWithEmulatorEnv(emulator, [bundle], {
        SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: await emulatorHsmUrl(emulator),
        SPIRL_KEYWRAP_AZURE_KEY_NAME: "bundle-key",
      }),
    );
    // The log is in order of arrival; the HSM's connections after Entra's, however many.
    const [first, ...rest] = entries
      .filter((entry) => entry.operation.startsWith("connect-"))
      .map((entry) => entry.operation);
    expect([first, new Set(rest)]).toEqual(["connect-entra", new Set(["connect-hsm"])]);
  });

  // The build trained the cache with a whole preflight: it holds the functions that run compiled, which a
  // cache made when the bundle was compiled (or by --help) does not.
  it("starts from the code cache the build trained with a whole run", async () => {
    const { stdout, trace } = await helpWithCacheTrace(bundle);
    expect(stdout).toMatch(/^Usage: spirl-keywrap preflight/);
    expect(trace).toMatch(accepted);
    expect(trace).not.toMatch(/wrote/);
    // With the image entrypoint's Node options too: V8 refuses a cache made under other flags, and these
    // are worth their place only while it does not count them (heap sizes).
    expect((await helpWithCacheTrace(bundle, undefined, preflightNodeOptions)).trace).toMatch(accepted);
    const copy = await copyWithoutCache("preflight-help-cache-");
    try {
      expect((await helpWithCacheTrace(join(copy, "preflight.mjs"))).trace).toMatch(/no cache \S+ ENOENT/);
      const trained = (await stat(await cacheFile(dir))).size;
      expect(trained).toBeGreaterThan((await stat(await cacheFile(copy))).size * 1.3);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it.each([
    {
      // Same size, one byte changed: V8 checks only the length; the file name carries the content's hash.
      change: "the bundle changes under its cache",
      apply: async (copy: string) => {
        const main = join(copy, "preflight.main.cjs");
        const text = await readFile(main, "utf8");
        await writeFile(main, `${text.slice(0, -1)}${text.endsWith("\n") ? " " : "\n"}`);
      },
      trace: /no cache \S+ ENOENT/,
    },
    {
      // V8 checks a cache's header, not its body: damaged bytes it accepted crashed Node (SIGTRAP,
      // SIGSEGV). The launcher's digest finds them first.
      change: "the cache's body is damaged",
      apply: async (copy: string) => {
        const file = await cacheFile(copy);
        const bytes = await readFile(file);
        for (let i = 0; i < 20; i++) bytes.writeUInt8((bytes[1000 + 97 * i] ?? 0) ^ 0x5a, 1000 + 97 * i);
        await writeFile(file, bytes);
      },
      trace: /cache \S+ damaged/,
    },
    {
      // What another Node's V8 would meet: a sound cache, made with other V8 flags, which V8 refuses.
      change: "V8 refuses the cache",
      apply: async (copy: string) => {
        await rm(join(copy, "code-cache"), { recursive: true });
        expect(
          (await helpWithCacheTrace(join(copy, "preflight.mjs"), undefined, ["--no-opt"])).trace,
        ).toMatch(/wrote \S+/);
      },
      trace: /cache \S+ rejected/,
    },
  ])("compiles anew and replaces the cache when $change", async ({ apply, trace }) => {
    const copy = await copyWithoutCache("preflight-stale-cache-");
    try {
      const launcher = join(copy, "preflight.mjs");
      expect((await helpWithCacheTrace(launcher)).trace).toMatch(/wrote \S+/);
      await apply(copy);
      const run = await helpWithCacheTrace(launcher);
      expect(run.trace).toMatch(trace);
      expect(run.trace).toMatch(/wrote \S+/);
      expect(run.stdout).toMatch(/^Usage: spirl-keywrap preflight/);
      expect((await helpWithCacheTrace(launcher)).trace).toMatch(accepted);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  // What the Dockerfile does: the image's user (65532) runs from a cache root owns read-only, and writes
  // nothing. Switching users needs root, as the pods tests do: run as another user, this fails (EPERM)
  // rather than skips.
  it("is read by the image's user from a read-only cache, and runs without one where nothing can be written", async () => {
    const copy = await copyWithoutCache("preflight-user-cache-");
    const launcher = join(copy, "preflight.mjs");
    const user = 65532;
    try {
      const unwritable = await helpWithCacheTrace(launcher, user);
      expect(unwritable.trace).toMatch(/cache not written \S+ EACCES/);
      expect(unwritable.stdout).toMatch(/^Usage: spirl-keywrap preflight/);
      await helpWithCacheTrace(launcher);
      await chmodTree(join(copy, "code-cache"), 0o555);
      const { stdout, trace } = await helpWithCacheTrace(launcher, user);
      expect(trace).toMatch(accepted);
      expect(stdout).toMatch(/^Usage: spirl-keywrap preflight/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  // The Dockerfile trains the image's cache with this bundled trainer and the final image's Node.
  it("is trained by the bundled trainer in a folder without node_modules", async () => {
    const copy = await copyWithoutCache("preflight-trainer-");
    try {
      const trainer = join(copy, "train-preflight-cache.mjs");
      await buildTrainer(trainer);
      const { stdout } = await promisify(execFile)(process.execPath, [trainer, join(copy, "preflight.mjs")], {
        env: { PATH: process.env.PATH, NODE_PATH: "/nonexistent" },
        cwd: copy,
      });
      expect(stdout).toBe(`wrote ${await cacheFile(copy)}\n`);
      expect((await helpWithCacheTrace(join(copy, "preflight.mjs"))).trace).toMatch(accepted);
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
    const text = await readFile(join(dir, "preflight.main.cjs"), "utf8");
    for (const string of strings)
      typeof string === "string" ? expect(text).not.toContain(string) : expect(text).not.toMatch(string);
  });

  // Reading the global FormData loaded undici (~8 ms of the start), on the first request; zlib, child_process,
  // assert and timers/promises are the built-ins the build loads on first use (each only off this path);
  // the global ReadableStream loaded the web streams, and util's descriptors diff and worker_threads.
  it("passes without loading undici, web streams or the built-ins it loads on first use", async () => {
    const probe = `data:text/javascript,process.on("exit",()=>process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m)=>/undici|zlib|child_process|NativeModule assert|timers\\/promises|webstreams|util\\/diff|worker_threads/.test(m)))))`;
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
    const text = await readFile(join(dir, "preflight.main.cjs"), "utf8");
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
