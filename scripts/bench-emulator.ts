// Emulator benchmarks: start-up time against a bare HTTPS server, and A256GCM encrypt operations per
// second through the proxy with one SDK client and with several. Run: npx node scripts/bench-emulator.ts
// The SDK half runs in a child process, because NODE_EXTRA_CA_CERTS is read only at process start.
import { once } from "node:events";
import { createServer } from "node:https";
import { execa } from "execa";
import { startEmulator } from "../src/emulator/index.ts";
import { createTestPki } from "../src/x509/index.ts";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const concurrency = Number(process.env.BENCH_CLIENTS ?? 8);

async function encryptLoop(): Promise<void> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const { CryptographyClient, KeyClient } = await import("@azure/keyvault-keys");
  const credential = new DefaultAzureCredential();
  const url = process.env.AZURE_KEYVAULT_URL ?? "";
  const key = await new KeyClient(url, credential).createKey("bench-key", "oct-HSM");
  const plaintext = Buffer.alloc(32, 7);
  const run = async (clients: number) => {
    const crypto = Array.from({ length: clients }, () => new CryptographyClient(key.id ?? "", credential));
    await Promise.all(crypto.map((client) => client.encrypt({ algorithm: "A256GCM", plaintext }))); // warm-up
    let operations = 0;
    const deadline = performance.now() + durationMs;
    await Promise.all(
      crypto.map(async (client) => {
        while (performance.now() < deadline) {
          await client.encrypt({ algorithm: "A256GCM", plaintext });
          operations++;
        }
      }),
    );
    return Math.round((operations * 1000) / durationMs);
  };
  const one = await run(1);
  const several = await run(concurrency);
  process.stdout.write(`${JSON.stringify({ one, several })}\n`);
}

async function median(runs: number, measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure());
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

async function main(): Promise<void> {
  const pki = await createTestPki({ serverNames: ["localhost"] });
  const bareMs = await median(9, async () => {
    const started = performance.now();
    const server = createServer({ cert: pki.serverCertificate, key: pki.serverKey });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const elapsed = performance.now() - started;
    server.close();
    return elapsed;
  });
  const emulatorMs = await median(9, async () => {
    const started = performance.now();
    const emulator = await startEmulator();
    const elapsed = performance.now() - started;
    await emulator.close();
    return elapsed;
  });
  const emulator = await startEmulator();
  try {
    const child = await execa(process.execPath, [new URL(import.meta.url).pathname, "--client"], {
      env: { ...emulator.env, PATH: process.env.PATH ?? "" },
      extendEnv: false,
    });
    const throughput = JSON.parse(child.stdout) as { one: number; several: number };
    console.log(
      JSON.stringify({
        startMs: {
          emulator: Math.round(emulatorMs),
          bareHttpsServer: Number(bareMs.toFixed(2)),
          ratio: Math.round(emulatorMs / bareMs),
        },
        encryptPerSecond: { oneClient: throughput.one, [`${concurrency}Clients`]: throughput.several },
      }),
    );
  } finally {
    await emulator.close();
  }
}

await (process.argv.includes("--client") ? encryptLoop() : main());
