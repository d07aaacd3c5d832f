import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  devDefaults,
  isEmulatorError,
  loadEmulatorConfig,
  parseEmulatorConfig,
} from "../../../src/emulator/index.ts";

function configError(text: string): string {
  try {
    parseEmulatorConfig(text, "emulator.yaml");
  } catch (error) {
    if (isEmulatorError(error) && error.code === "CONFIG_INVALID") return error.message;
    throw error;
  }
  return "valid";
}

describe("parseEmulatorConfig", () => {
  it("turns an empty document into dev mode", () => {
    const config = parseEmulatorConfig("", "emulator.yaml");
    expect(config.tenantId).toBe(devDefaults.tenantId);
    expect(config.hsms).toEqual([{ name: "localhsm", keys: [] }]);
    expect(config.clients[0]?.federatedCredentials).toEqual([
      { issuer: "dev", subject: devDefaults.subject },
    ]);
    expect(config.roleAssignments[0]).toMatchObject({ role: "Managed HSM Crypto User", scope: "/" });
  });

  it("reads HSMs, keys, clients, federated credentials, role assignments and faults", () => {
    const config = parseEmulatorConfig(
      `tenantId: 22222222-2222-4222-8222-222222222222
hsms:
  - name: prod-hsm
    keys:
      - name: kek
        keySize: 256
issuers:
  - issuer: https://127.0.0.1:6443
    caFile: /tmp/ca.pem
clients:
  - clientId: 33333333-3333-4333-8333-333333333333
    objectId: 44444444-4444-4444-8444-444444444444
    federatedCredentials:
      - issuer: https://127.0.0.1:6443
        subject: system:serviceaccount:spirl-system:tds
roleAssignments:
  - principalId: 44444444-4444-4444-8444-444444444444
    role: Managed HSM Crypto User
    scope: /keys/kek
faults:
  - kind: throttle
    operation: encrypt
    count: 1
`,
      "emulator.yaml",
    );
    expect(config.hsms[0]?.keys[0]).toMatchObject({ name: "kek", kty: "oct-HSM", keySize: 256 });
    expect(config.roleAssignments[0]?.scope).toBe("/keys/kek");
    expect(config.faults[0]).toMatchObject({ kind: "throttle", count: 1 });
  });

  it("names file, line and column of a bad value (where the value starts) on one line", () => {
    const message = configError(
      "hsms:\n  - name: localhsm\n    keys:\n      - name: kek\n        kty: DES\n",
    );
    expect(message).toMatch(/^emulator\.yaml:5:14: hsms\[0\]\.keys\[0\]\.kty: /);
    expect(message).not.toContain("\n");
  });

  it("names an unknown role and an unknown field", () => {
    expect(
      configError(
        "roleAssignments:\n  - principalId: 44444444-4444-4444-8444-444444444444\n    role: Owner\n",
      ),
    ).toMatch(/^emulator\.yaml:3:11: roleAssignments\[0\]\.role: expected a built-in role name or id$/);
    expect(configError("tenant: x\n")).toMatch(/^emulator\.yaml:1:1: /);
  });

  it("checks cross-references: role HSM, fault HSM, federated issuer, env client", () => {
    expect(configError("faults:\n  - kind: reset\n    hsm: nohsm\n")).toBe(
      "emulator.yaml:3:10: faults[0].hsm: no HSM named 'nohsm' in hsms",
    );
    expect(
      configError(
        "roleAssignments:\n  - hsm: nohsm\n    principalId: 44444444-4444-4444-8444-444444444444\n    role: Managed HSM Crypto User\n",
      ),
    ).toBe("emulator.yaml:2:10: roleAssignments[0].hsm: no HSM named 'nohsm' in hsms");
    expect(
      configError(
        "clients:\n  - clientId: 33333333-3333-4333-8333-333333333333\n    objectId: 44444444-4444-4444-8444-444444444444\n    federatedCredentials:\n      - issuer: https://unlisted.example\n        subject: s\n",
      ),
    ).toMatch(
      /^emulator\.yaml:5:17: clients\[0\]\.federatedCredentials\[0\]\.issuer: issuer 'https:\/\/unlisted\.example' is neither/,
    );
    expect(configError("envClientId: 33333333-3333-4333-8333-333333333333\n")).toMatch(
      /^emulator\.yaml:1:14: envClientId: /,
    );
  });

  it("reports YAML syntax errors with their line", () => {
    expect(configError("hsms:\n  - name: [unclosed\n")).toMatch(/^emulator\.yaml:\d+:\d+: /);
  });
});

describe("loadEmulatorConfig", () => {
  it("fails on a missing file with CONFIG_INVALID naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-config-"));
    await expect(loadEmulatorConfig(join(dir, "missing.yaml"))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    await writeFile(join(dir, "ok.yaml"), "hsms:\n  - name: other-hsm\n");
    expect((await loadEmulatorConfig(join(dir, "ok.yaml"))).hsms[0]?.name).toBe("other-hsm");
  });
});
