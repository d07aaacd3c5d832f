// `node scripts/bench-preflight.ts [runs]`: wall time and HSM calls of the bundled preflight
// (dist/preflight.mjs, `npm run build` first) against the emulator at an added round trip of 0 and 20 ms.
// The latency fault delays every authorized HSM request and every Entra request (not the challenges).
// Breaks a run down into process start (an empty `node -e ''`), module load (wall − start − the
// preflight's own total), token and each HSM step (from the summary line).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseEnvFile, startEmulator } from "../src/emulator/index.ts";

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 7);
const bundle = new URL("../dist/preflight.mjs", import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), "bench-preflight-"));
const emulator = await startEmulator({ envFile: join(dir, "emulator.env") });
const env = {
  ...parseEnvFile(await readFile(join(dir, "emulator.env"), "utf8")),
  PATH: process.env.PATH ?? "",
  SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: `${emulator.env.AZURE_KEYVAULT_URL}/`,
  SPIRL_KEYWRAP_AZURE_KEY_NAME: "bench-key",
  SPIRL_KEYWRAP_LOG_LEVEL: "debug",
};

async function timed(argv: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, argv, { env });
  return { ms: performance.now() - started, stdout };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const spread = (values: number[]) => `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;

try {
  const admin = (method: string, path: string, body?: unknown) => emulator.admin(method, path, body);
  await admin("POST", "/hsms/localhsm/keys/bench-key", {});
  const starts: number[] = [];
  for (let i = 0; i < runs; i++) starts.push((await timed(["-e", ""])).ms);
  console.log(
    `node process start (empty script): median ${Math.round(median(starts))} ms, range ${spread(starts)} ms`,
  );
  for (const rttMs of [0, 20]) {
    await admin("DELETE", "/faults");
    if (rttMs > 0) await admin("POST", "/faults", { kind: "latency", latencyMs: rttMs });
    const rows: Record<string, number[]> = { wall: [], load: [] };
    let calls = "";
    for (let i = 0; i < runs; i++) {
      const { ms, stdout } = await timed([bundle]);
      const fields: Record<string, number> = Object.fromEntries(
        [...stdout.matchAll(/(\w+Ms)=(\d+)/g)].map((m) => [m[1], Number(m[2])]),
      );
      calls = /debug: (.*)/.exec(stdout)?.[1] ?? "";
      rows.wall?.push(ms);
      rows.load?.push(ms - median(starts) - (fields.totalMs ?? 0));
      for (const [name, value] of Object.entries(fields)) rows[name] = [...(rows[name] ?? []), value];
    }
    console.log(`\nadded RTT ${rttMs} ms, ${runs} runs (${calls}):`);
    for (const [name, values] of Object.entries(rows))
      console.log(
        `  ${name.padEnd(11)} median ${String(Math.round(median(values))).padStart(5)} ms   range ${spread(values)} ms`,
      );
  }
} finally {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
