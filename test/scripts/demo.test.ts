// The README's first command ends in `npm run demo`; keep it true. It starts its own local cluster (a node
// that runs Pods, the Workload Identity webhook, the emulator) beside whatever the other tests run.
import { execa } from "execa";
import { describe, expect, it } from "vitest";

describe("npm run demo", () => {
  it("installs with Helm 4 on a local cluster, issues and verifies an SVID, rotates the KEK, and shows a refused install's fix", {
    timeout: 600_000,
  }, async () => {
    const demo = await execa(process.execPath, [new URL("../../scripts/demo.ts", import.meta.url).pathname], {
      all: true,
      timeout: 540_000,
    });
    const out = String(demo.all);
    expect(out).toContain("values are valid");
    expect(out).toContain("is a standard Key Vault URL; only Managed HSM is supported for key wrapping");
    // Helm's own output of a passing install (the hook ran and passed, else there is no "deployed").
    expect(out).toMatch(/^ {3}STATUS: deployed$/m);
    expect(out).toMatch(/^ {3}REVISION: 2$/m);
    // The init container's verdict and the server's start line, read with kubectl logs.
    expect(out).toMatch(/^ {3}Preflight passed: .* keyVersion=[0-9a-f]{32} /m);
    expect(out).toContain(
      "   Key wrapping via Azure Key Vault keyVaultURL=https://localhsm.managedhsm.azure.net/ keyName=defakto-wrapping-key",
    );
    expect(out).toMatch(
      /"spiffeId":"spiffe:\/\/example\.org\/ns\/spirl-system\/sa\/workload".*"verified":true/,
    );
    // After the rotation every SigningKey names the new KEK version.
    const version = /^new key version ([0-9a-f]{32})$/m.exec(out)?.[1];
    expect(version).toBeDefined();
    const after = out.slice(out.indexOf(`new key version ${version}`));
    expect(after).toMatch(new RegExp(`jwt-svid-1 .* active +${version}`));
    expect(after).toMatch(new RegExp(`x509-svid-1 .* active +${version}`));
    // The refused install: Helm fails, the hook's classified line and its fix are shown.
    expect(out).toContain("(helm exit 1)");
    // In Helm's own output (the hook's log, streamed by hook-output-log-policy), before the demo's kubectl step.
    const refusedByHelm = out.slice(out.indexOf("== helm install with a key"), out.indexOf("(helm exit 1)"));
    expect(refusedByHelm).toContain("HSM_FORBIDDEN");
    expect(refusedByHelm).toContain("az keyvault role assignment create");
    expect(out).toMatch(/^ {3}Preflight failed: HSM_FORBIDDEN \(exit 18\): /m);
    expect(out).toMatch(/^ {3}Fix: Assign the role "Managed HSM Crypto User"/m);
    expect(out).toMatch(/logs \(control plane, every container\) are in \/\S+/);
  });
});
