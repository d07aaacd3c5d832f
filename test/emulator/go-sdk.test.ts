// The official Azure SDK for Go, unmodified (bench/go-peer: azidentity WorkloadIdentityCredential +
// azkeys 1.5.0), against the emulator, configured only by the emulator's env file. The first run
// downloads the Go modules and builds the peer into the tools cache; later runs reuse the binary.
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEnvFile } from "../../src/emulator/index.ts";
import { useEmulator } from "../helpers/emulator.ts";

const buildScript = new URL("../../bench/go-peer/build.sh", import.meta.url).pathname;
const emulator = useEmulator();
let peer = "";

beforeAll(async () => {
  // The build script keys the binary by its sources; a cold build fetches modules from the Go proxy.
  const built = await execa("bash", [buildScript], { timeout: 900_000 });
  peer = built.stdout.trim();
}, 900_000);

interface Step {
  readonly step: string;
  readonly ok: boolean;
  readonly error?: string;
}

async function runPeer(keyName: string) {
  const env = parseEnvFile(await readFile(emulator.envFile, "utf8"));
  const result = await execa(peer, [], {
    env: {
      ...env,
      // Go reads SSL_CERT_FILE, not NODE_EXTRA_CA_CERTS; an inherited one would hide the test CA.
      SSL_CERT_FILE: env.NODE_EXTRA_CA_CERTS ?? "",
      SPIRL_KEYWRAP_AZURE_KEY_NAME: keyName,
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/",
    },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  const steps = result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Step);
  return { exitCode: result.exitCode, steps, stderr: result.stderr };
}

describe("the Azure SDK for Go against the emulator", () => {
  it("passes every step of the preflight's check: key read, A256GCM round trip with AAD, altered AAD refused", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/go-sdk-key", {});
    emulator.handle.state.log.clear();
    const { exitCode, steps, stderr } = await runPeer("go-sdk-key");
    expect(
      steps.filter((step) => !step.ok),
      stderr,
    ).toEqual([]);
    expect(steps.map((step) => step.step)).toEqual([
      "credential",
      "client",
      "getKey",
      "encrypt",
      "decrypt",
      "negativeDecrypt",
      "total",
    ]);
    expect(exitCode).toBe(0);
    const counts = emulator.handle.state.log.counts();
    // MSAL Go's instance discovery is answered, so it does not fall back.
    expect(counts.instanceDiscovery?.byStatus).toEqual({ 200: 1 });
    expect(counts.token?.byStatus).toEqual({ 200: 1 });
    expect(counts.encrypt?.byStatus).toEqual({ 200: 1 });
    // The negative step reached the HSM and was refused there, not in the client.
    expect(counts.decrypt?.byStatus).toEqual({ 200: 1, 400: 1 });
  });

  it("reports a failed step when the key does not exist", async () => {
    const { exitCode, steps } = await runPeer("no-such-go-key");
    expect(exitCode).toBe(1);
    expect(steps.find((step) => step.step === "getKey")).toMatchObject({
      ok: false,
      error: expect.stringContaining("KeyNotFound"),
    });
  });
});
