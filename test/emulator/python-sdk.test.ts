// The Azure SDK for Python as Debian packages it (python3-azure: azure-keyvault-keys 4.12 beta,
// azure-identity; python3-msal), unmodified, against the emulator: twenty of the SDK's Managed HSM key
// operations, configured by the emulator's env file. The first run fetches the .debs from Debian sid
// into the tools cache (test/emulator/fixtures/python-sdk/fetch-sdk.sh); later runs reuse them.
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEnvFile } from "../../src/emulator/index.ts";
import { useEmulator } from "../helpers/emulator.ts";

const fixtures = new URL("fixtures/python-sdk/", import.meta.url).pathname;
const emulator = useEmulator();
let sitePackages = "";

beforeAll(async () => {
  sitePackages = (await execa("bash", [`${fixtures}fetch-sdk.sh`], { timeout: 600_000 })).stdout.trim();
}, 600_000);

interface Step {
  readonly step: string;
  readonly ok: boolean;
  readonly error?: string;
}

describe("the Azure SDK for Python against the emulator", () => {
  it("passes all twenty key operations, the deleted-key list, rotation policy and purge included", async () => {
    const { state } = emulator.handle;
    const objectId = [...state.directory.clients.values()][0]?.objectId ?? "";
    // Purge needs the Crypto Officer; the dev client is only a Crypto User.
    const officer = state.roles.add({
      hsm: "localhsm",
      principalId: objectId,
      role: "Managed HSM Crypto Officer",
    });
    try {
      const env = parseEnvFile(await readFile(emulator.envFile, "utf8"));
      const result = await execa("python3", [`${fixtures}client.py`, "py-sdk"], {
        env: {
          ...env,
          // requests trusts its own bundle, not NODE_EXTRA_CA_CERTS.
          REQUESTS_CA_BUNDLE: env.NODE_EXTRA_CA_CERTS ?? "",
          PYTHONPATH: sitePackages,
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/",
        },
        extendEnv: false,
        reject: false,
        timeout: 120_000,
      });
      const steps = result.stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Step);
      expect(steps, result.stderr).toHaveLength(20);
      expect(steps.filter((step) => !step.ok)).toEqual([]);
      const counts = state.log.counts();
      // The steps reached the emulator: the new routes, and the HSM-side refusal of an altered AAD.
      expect(counts.getDeletedKeys?.byStatus).toEqual({ 200: 1 });
      expect(counts.getKeyRotationPolicy?.byStatus).toEqual({ 200: 1 });
      expect(counts.decrypt?.byStatus).toEqual({ 200: 1, 400: 1 });
      expect(counts.purgeDeletedKey?.byStatus).toEqual({ 204: 1 });
    } finally {
      state.roles.remove(officer.id);
    }
  });
});
