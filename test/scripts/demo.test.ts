// The README's first command ends in `npm run demo`; keep it true.
import { execa } from "execa";
import { describe, expect, it } from "vitest";

describe("npm run demo", () => {
  it("validates, passes the preflight on the emulator, explains a disabled key and renders the chart", async () => {
    const demo = await execa(process.execPath, [new URL("../../scripts/demo.ts", import.meta.url).pathname]);
    const out = String(demo.stdout);
    expect(out).toContain("values are valid");
    expect(out).toContain("is a standard Key Vault URL; only Managed HSM is supported for key wrapping");
    expect(out).toContain(
      "Key wrapping via Azure Key Vault keyVaultURL=https://localhsm.managedhsm.azure.net/ keyName=defakto-wrapping-key",
    );
    expect(out).toMatch(/^Preflight passed: .* keyVersion=[0-9a-f]{32} /m);
    expect(out).toMatch(/^Preflight failed: KEY_DISABLED \(exit 23\): /m);
    expect(out).toMatch(/^Fix: Enable it \(az keyvault key set-attributes /m);
    expect(out).toMatch(/^Job\/spirl-system-preflight {2}\(hook: pre-install,pre-upgrade\)$/m);
  });
});
