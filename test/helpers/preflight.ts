import { createDecipheriv } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ServerResponse } from "node:http";
import { execa } from "execa";
import { expect, vi } from "vitest";
import { parseEnvFile, type RequestLogEntry } from "../../src/emulator/index.ts";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import type { TestEmulator } from "./emulator.ts";
import { recordProducedFailure } from "./produced-failures.ts";

const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

/** One `spirl-keywrap preflight` run in a child process. */
export interface PreflightRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the child process, start-up included. */
  readonly durationMs: number;
}

/** How to configure a run: only through the environment, as the chart does in a pod. */
export interface PreflightRunOptions {
  readonly keyName: string;
  /** Default: no pinned version. */
  readonly keyVersion?: string;
  /** Default: the emulator's HSM URL with a trailing slash, as the product doc writes it. */
  readonly url?: string;
  /** Extra or replaced variables; `undefined` removes one (e.g. AZURE_CLIENT_ID). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: none. Flags, for the few tests about flags. */
  readonly args?: readonly string[];
}

/** The HSM URL the emulator's env file names, with the trailing slash of the product doc. */
export async function emulatorHsmUrl(emulator: TestEmulator): Promise<string> {
  const env = parseEnvFile(await readFile(emulator.envFile, "utf8"));
  return `${env.AZURE_KEYVAULT_URL}/`;
}

/** A Node child process whose environment is the emulator's env file (plus PATH), like a pod's. */
export async function runWithEmulatorEnv(
  emulator: TestEmulator,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<PreflightRun> {
  const merged: Record<string, string | undefined> = {
    ...parseEnvFile(await readFile(emulator.envFile, "utf8")),
    PATH: process.env.PATH ?? "",
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const started = performance.now();
  const result = await execa(process.execPath, [...argv], {
    env: merged as Record<string, string>,
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: performance.now() - started,
  };
}

/**
 * One passing `run` under an added round trip of `latencyMs`, returning the emulator's log of it. A drawn
 * latency fault is what logs each CONNECT; it also makes every request last a round trip, so requests in
 * flight together show as overlapping intervals in the log (no time is asserted).
 */
export async function loggedRun(
  emulator: TestEmulator,
  latencyMs: number,
  run: () => Promise<PreflightRun>,
): Promise<RequestLogEntry[]> {
  await emulator.admin("DELETE", "/requests");
  expect((await emulator.admin("POST", "/faults", { kind: "latency", latencyMs })).status).toBe(201);
  try {
    const result = await run();
    expect(result.exitCode, result.stderr).toBe(0);
    return ((await emulator.admin("GET", "/requests")).json as { entries: RequestLogEntry[] }).entries;
  } finally {
    await emulator.admin("DELETE", "/faults");
  }
}

/** Runs the preflight CLI with the emulator's env file plus SPIRL_KEYWRAP_* variables, like an init container. */
export async function runPreflightCli(
  emulator: TestEmulator,
  options: PreflightRunOptions,
): Promise<PreflightRun> {
  return runWithEmulatorEnv(emulator, [cli, "preflight", ...(options.args ?? [])], {
    SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: options.url ?? (await emulatorHsmUrl(emulator)),
    SPIRL_KEYWRAP_AZURE_KEY_NAME: options.keyName,
    ...(options.keyVersion !== undefined && { SPIRL_KEYWRAP_AZURE_KEY_VERSION: options.keyVersion }),
    SPIRL_KEYWRAP_LOG_LEVEL: "debug",
    ...options.env,
  });
}

/** What a key needs in the emulator's admin API; see the emulator's key config. */
export interface TestKeySpec {
  readonly kty?: string;
  readonly keySize?: number;
  readonly keyOps?: readonly string[];
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
}

/** Creates a key (or a new version of it) in the emulator's first HSM and returns the new version. */
export async function createTestKey(
  emulator: TestEmulator,
  name: string,
  spec: TestKeySpec = {},
): Promise<string> {
  const response = await emulator.admin("POST", `/hsms/localhsm/keys/${name}`, spec);
  if (response.status !== 201) throw new Error(`creating key ${name}: ${response.status} ${response.text}`);
  const kid = (response.json as { key: { kid: string } }).key.kid;
  return kid.slice(kid.lastIndexOf("/") + 1);
}

/** The `debug:` line's HSM call counts, e.g. `{ hsmCalls: 6, getKey: 1, … }`. */
export function callCounts(run: PreflightRun): Record<string, number> {
  const line = run.stdout.split("\n").find((candidate) => candidate.startsWith("debug: hsmCalls="));
  if (line === undefined) throw new Error(`no debug line in:\n${run.stdout}`);
  return Object.fromEntries(
    line
      .slice("debug: ".length)
      .split(" ")
      .map((pair) => pair.split("="))
      .map(([key, value]) => [key as string, Number(value)]),
  );
}

/**
 * Asserts the output carries none of the given secrets, no JWT, and no long base64url/hex run (where
 * plaintext, AAD or key bytes would show) once key ids and request ids are taken out.
 */
export function expectNoSecrets(run: PreflightRun, secrets: readonly string[]): void {
  const output = `${run.stdout}\n${run.stderr}`;
  for (const secret of secrets) if (secret.length > 0) expect(output).not.toContain(secret);
  expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\./);
  const withoutIds = output
    .replace(/https:\/\/[a-z0-9.-]+\/keys\/[A-Za-z0-9-]+(\/[0-9a-fA-F]*)?/g, "<kid>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/\b[0-9a-f]{32}\b/g, "<version>");
  expect(withoutIds).not.toMatch(/[A-Za-z0-9+_=-]{40,}/);
}

/** The two lines of a text-format failure, parsed: code, exit, message and fix. */
export function failureOf(run: PreflightRun): { code: string; exit: number; message: string; fix: string } {
  const failed = /^Preflight failed: ([A-Z_]+) \(exit (\d+)\): (.*?)(?: x-ms-request-id=[0-9a-f-]+)?$/m.exec(
    run.stderr,
  );
  const fix = /^Fix: (.*)$/m.exec(run.stderr);
  if (failed === null || fix === null)
    throw new Error(`no failure lines in stderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
  return {
    code: failed[1] as string,
    exit: Number(failed[2]),
    message: failed[3] as string,
    fix: fix[1] as string,
  };
}

/** The crypto bytes the emulator put on the wire while recording, in the forms a leak would take. */
export interface WireSecrets {
  /** Base64url, base64 and hex of every ciphertext, IV, tag, echoed AAD and plaintext seen so far. */
  secrets(): string[];
  /** Stops recording. */
  stop(): void;
}

/**
 * Records the fields of every crypto result the in-process emulator writes (ciphertext, IV, tag, echoed
 * AAD, decrypted bytes) and the plaintext each sealed value really opens to under the emulator's key, so
 * a test can check that none of the bytes a child process generated reached its output.
 */
export function recordWireSecrets(emulator: TestEmulator): WireSecrets {
  const end = vi.spyOn(ServerResponse.prototype, "end");
  const forms = (bytes: Buffer) =>
    bytes.length === 0 ? [] : [bytes.toString("base64url"), bytes.toString("base64"), bytes.toString("hex")];
  return {
    secrets() {
      const found: Buffer[] = [];
      for (const [body] of end.mock.calls as unknown[][]) {
        const result = cryptoResult(body);
        if (result === undefined) continue;
        for (const field of ["value", "iv", "tag", "aad"] as const) {
          const text = result[field];
          if (typeof text === "string") found.push(Buffer.from(text, "base64url"));
        }
        const opened = openSealed(emulator, result);
        if (opened !== undefined) found.push(opened);
      }
      return found.flatMap(forms);
    },
    stop: () => end.mockRestore(),
  };
}

type CryptoResult = Partial<Record<"kid" | "alg" | "value" | "iv" | "tag" | "aad", unknown>>;

function cryptoResult(body: unknown): CryptoResult | undefined {
  if (typeof body !== "string" || !body.startsWith("{")) return undefined;
  try {
    const json = JSON.parse(body) as CryptoResult;
    return typeof json.kid === "string" && typeof json.alg === "string" && typeof json.value === "string"
      ? json
      : undefined;
  } catch {
    return undefined;
  }
}

/** The plaintext of an A256GCM encrypt result, opened with the emulator's copy of the key. */
function openSealed(emulator: TestEmulator, result: CryptoResult): Buffer | undefined {
  const [iv, tag, aad] = [result.iv, result.tag, result.aad].map((field) =>
    typeof field === "string" ? Buffer.from(field, "base64url") : undefined,
  );
  const kid = /^https:\/\/([a-z0-9-]+)\.managedhsm\.azure\.net\/keys\/([^/]+)\/([0-9a-f]+)$/.exec(
    String(result.kid),
  );
  if (result.alg !== "A256GCM" || iv?.length !== 12 || tag === undefined || kid === null) return undefined;
  const [, hsm, name, version] = kid as unknown as [string, string, string, string];
  const secret = emulator.handle.state.hsms.get(hsm)?.get(name, version).secret;
  if (secret === undefined) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", secret, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    if (aad !== undefined) decipher.setAAD(aad);
    return Buffer.concat([decipher.update(Buffer.from(String(result.value), "base64url")), decipher.final()]);
  } catch {
    // A decrypt result (or a tampered one) is not a sealed value; its bytes are recorded as they are.
    return undefined;
  }
}

/** Asserts the run failed as `code`: the printed code and exit status, and the process exit status. */
export function expectFailureCode(run: PreflightRun, code: FailureCode): ReturnType<typeof failureOf> {
  const failure = failureOf(run);
  const { exitCode } = failureCatalogue[code];
  expect({ code: failure.code, exitCode: run.exitCode }).toEqual({ code, exitCode });
  expect(failure.exit).toBe(exitCode);
  recordProducedFailure(code);
  return failure;
}
