// `node scripts/bench-preflight.ts [runs]` (`npm run bench:preflight` builds first): wall time of the
// bundled preflight (dist/preflight.mjs, with the image entrypoint's Node options), the CLI
// (`spirl-keywrap preflight`, as the bin runs it) and the Go peer (bench/go-peer: the same check with
// the unmodified Azure SDK for Go), interleaved run by run against one emulator at an added round trip
// of 0 and 20 ms. The latency fault is a network round trip: every request pays it, the 401 challenge
// included, and each new connection pays it twice more (CONNECT answer, TLS handshake). Prints medians,
// ranges, ratios vs the Go peer, and the requests of one run by host and operation from the emulator's
// log (connections as connect-*).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseEnvFile, type RequestLogEntry, startEmulator } from "../src/emulator/index.ts";
import { preflightNodeOptions } from "../src/local-cluster/project-images.ts";

const run = promisify(execFile);
// 15 by default: the Go peer's runs at 0 ms spread widely (26-125 ms seen), and its median moves the ratio.
const runs = Number(process.argv[2] ?? 15);
const bundle = new URL("../dist/preflight.mjs", import.meta.url).pathname;
const cliMain = new URL("../src/cli/main.ts", import.meta.url).pathname;
const buildGoPeer = new URL("../bench/go-peer/build.sh", import.meta.url).pathname;

console.log("Go peer: built once per source into the tools cache (a cold build downloads modules: minutes)…");
const goPeer = (await run("bash", [buildGoPeer], { maxBuffer: 1 << 24 })).stdout.trim();

const dir = await mkdtemp(join(tmpdir(), "bench-preflight-"));
const emulator = await startEmulator({ envFile: join(dir, "emulator.env") });
const fileEnv = parseEnvFile(await readFile(join(dir, "emulator.env"), "utf8"));
const env: Record<string, string> = {
  ...fileEnv,
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/",
  // Go reads SSL_CERT_FILE, not NODE_EXTRA_CA_CERTS; nothing is inherited, so no outer one hides the test CA.
  SSL_CERT_FILE: fileEnv.NODE_EXTRA_CA_CERTS ?? "",
  SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: `${emulator.env.AZURE_KEYVAULT_URL}/`,
  SPIRL_KEYWRAP_AZURE_KEY_NAME: "bench-key",
  SPIRL_KEYWRAP_LOG_LEVEL: "debug",
};

interface Contender {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
}
const contenders: readonly Contender[] = [
  { name: "go-peer", file: goPeer, args: [] },
  // As the image's entrypoint runs it.
  { name: "bundle", file: process.execPath, args: [...preflightNodeOptions, bundle] },
  { name: "cli", file: process.execPath, args: [cliMain, "preflight"] },
];

async function timed(file: string, args: readonly string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  try {
    const { stdout } = await run(file, [...args], { env, maxBuffer: 1 << 24 });
    return { ms: performance.now() - started, stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
  }
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const range = (values: readonly number[]) =>
  `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;

/** `hsm`, `entra`, or `issuer` (the emulated Entra fetching the dev issuer's keys: not the client's). */
const hostKind = (entry: RequestLogEntry) =>
  entry.host.endsWith(".managedhsm.azure.net")
    ? "hsm"
    : entry.host === "login.microsoftonline.com"
      ? "entra"
      : "issuer (emulator-internal)";

/** One run's requests: per host kind, `operation:status ×n` in the order first seen. */
function requestCounts(entries: readonly RequestLogEntry[]): string {
  const byHost = new Map<string, Map<string, number>>();
  for (const entry of entries) {
    const counts = byHost.get(hostKind(entry)) ?? new Map<string, number>();
    byHost.set(hostKind(entry), counts);
    const key = `${entry.operation}:${entry.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...byHost]
    .map(([host, counts]) => {
      const total = [...counts]
        .filter(([key]) => !key.startsWith("connect-"))
        .reduce((sum, [, n]) => sum + n, 0);
      const list = [...counts].map(([key, n]) => (n === 1 ? key : `${key} ×${n}`)).join(", ");
      return `    ${host}: ${total} request${total === 1 ? "" : "s"} (${list})`;
    })
    .join("\n");
}

try {
  await emulator.admin("POST", "/hsms/localhsm/keys/bench-key", {});
  const starts: number[] = [];
  // Others' work on a shared machine widens the ranges; the interleaved ratios hold up better than the times.
  console.log(
    `load average at start: ${loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}`,
  );
  for (let i = 0; i < runs; i++) starts.push((await timed(process.execPath, ["-e", ""])).ms);
  console.log(
    `node process start (empty script): median ${Math.round(median(starts))} ms, range ${range(starts)} ms`,
  );
  for (const rttMs of [0, 20]) {
    await emulator.admin("DELETE", "/faults");
    // Also at 0 ms: a drawn latency fault is what logs each CONNECT, so connections are counted.
    await emulator.admin("POST", "/faults", { kind: "latency", latencyMs: rttMs });
    const wall = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
    const requests = new Map<string, string>();
    const phases: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++)
      for (const contender of contenders) {
        emulator.state.log.clear();
        const { ms, stdout } = await timed(contender.file, contender.args);
        wall.get(contender.name)?.push(ms);
        requests.set(contender.name, requestCounts(emulator.state.log.entries()));
        if (contender.name === "bundle")
          for (const [, name, value] of stdout.matchAll(/(\w+Ms)=(\d+)/g))
            if (name !== undefined) phases[name] = [...(phases[name] ?? []), Number(value)];
      }
    const peerMedian = median(wall.get("go-peer") ?? []);
    console.log(`\nadded RTT ${rttMs} ms, ${runs} interleaved runs each:`);
    console.log("  contender   median ms   range ms      vs go-peer");
    for (const [name, values] of wall)
      console.log(
        `  ${name.padEnd(10)}  ${String(Math.round(median(values))).padStart(9)}   ${range(values).padEnd(12)}  ${(median(values) / peerMedian).toFixed(2)}×`,
      );
    console.log("  bundle's own phases (its summary line), median ms:");
    console.log(
      `    ${Object.entries(phases)
        .map(([name, values]) => `${name}=${Math.round(median(values))}`)
        .join(" ")}`,
    );
    console.log("  requests of the last run, by host and operation:status:");
    for (const [name, text] of requests) console.log(`  ${name}:\n${text}`);
  }
} finally {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
