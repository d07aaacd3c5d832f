import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartDir, helms, runHelm } from "../helpers/helm.ts";
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";
import { writeValuesFile } from "../helpers/values-judges.ts";

const ciValues = (await readdir(join(chartDir, "ci"))).filter((name) => name.endsWith("-values.yaml"));
const exampleValues = join(chartDir, "ci", "example-values.yaml");

describe.each(helms)("the chart with $name (Helm $major)", ({ name, major }) => {
  it.each(ciValues)("helm lint --strict passes with ci/%s", async (values) => {
    const lint = await runHelm(name, ["lint", "--strict", chartDir, "-f", join(chartDir, "ci", values)], {
      reject: false,
    });
    expect(lint.exitCode, String(lint.stdout)).toBe(0);
    expect(String(lint.stdout)).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it("helm lint --strict fails without values: url and keyName have no usable default", async () => {
    const lint = await runHelm(name, ["lint", "--strict", chartDir], { reject: false });
    expect(lint.exitCode).not.toBe(0);
    expect(String(lint.stdout) + String(lint.stderr)).toMatch(/azure\/keyVault\/url/);
  });

  // Helm 3 reaches for a cluster even with --dry-run=client; test/cluster/chart-install.test.ts covers
  // install and upgrade against a real API server with both majors.
  const commands: [string, string[]][] = [["template", ["template", "t", chartDir]]];
  if (major === 4)
    commands.push(["install --dry-run=client", ["install", "t", chartDir, "--dry-run=client"]]);
  it.each(commands)("helm %s rejects a standard vault URL on the schema", async (_, args) => {
    const bad = ["-f", exampleValues, "--set", "azure.keyVault.url=https://my-vault.vault.azure.net/"];
    const result = await runHelm(name, [...args, ...bad], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/values don't meet the specifications of the schema/);
    expect(String(result.stderr)).toMatch(/azure\/keyVault\/url/);
  });

  // The hook's ServiceAccount is `<name>-preflight` within 63 characters: a longer name cannot be rendered
  // distinct from the release's, so every judge refuses it, with the same words.
  it("refuses a serviceAccount.name over 53 characters on the schema, in the templates and in validate", async () => {
    const long = `serviceAccount.name=${"s".repeat(54)}`;
    const schema = await runHelm(name, ["template", "t", chartDir, "-f", exampleValues, "--set", long], {
      reject: false,
    });
    expect(schema.exitCode).toBe(1);
    expect(String(schema.stderr)).toMatch(/serviceAccount\/name/);
    const args = ["template", "t", chartDir, "-f", exampleValues, "--set", long, "--skip-schema-validation"];
    const templates = await runHelm(name, args, { reject: false });
    expect(templates.exitCode).toBe(1);
    const message = `serviceAccount.name: is longer than 53 characters; expected a DNS subdomain name of at most 53 characters`;
    expect(String(templates.stderr)).toContain(`): ${message}`);
    const validate = await runCliInProcess(["validate", "-f", exampleValues, "--set", long]);
    expect(validate.code).toBe(1);
    expect(validate.out).toContain(`--set ${message}`);
    const fits = await runHelm(name, [
      "template",
      "t",
      chartDir,
      "-f",
      exampleValues,
      "--set",
      `serviceAccount.name=${"s".repeat(53)}`,
    ]);
    expect(fits.exitCode).toBe(0);
  });

  it("helm template rejects a misspelt key on the schema", async () => {
    const file = await writeValuesFile("typo", "azure:\n  keyVault:\n    keyVerison: a1b2\n");
    const result = await runHelm(name, ["template", "t", chartDir, "-f", exampleValues, "-f", file], {
      reject: false,
    });
    expect(String(result.stderr)).toMatch(/keyVerison/);
  });

  it.each([
    [
      "azure.keyVault.url=https://my-vault.vault.azure.net/",
      'azure.keyVault.url: is a standard Key Vault URL; only Managed HSM is supported for key wrapping; expected https://<hsm-name>.managedhsm.azure.net/; got "https://my-vault.vault.azure.net/"',
    ],
    [
      "azure.keyVault.url=https://my-managed-hsm.managedhsm.azure.net/keys/k",
      'azure.keyVault.url: is a key identifier; put the HSM URL here and the key name in azure.keyVault.keyName; expected https://<hsm-name>.managedhsm.azure.net/; got "https://my-managed-hsm.managedhsm.azure.net/keys/k"',
    ],
    [
      "azure.keyVault.keyVersion=latest",
      'azure.keyVault.keyVersion: is not a version id; omit keyVersion to use the latest version; expected a hexadecimal key version of at most 32 characters (e.g. a1b2c3d4e5f6), or empty; got "latest"',
    ],
    [
      "azure.keyVault.url=https://user:secret@my-managed-hsm.managedhsm.azure.net/",
      'azure.keyVault.url: must not contain user info (user@ or user:password@); expected https://<hsm-name>.managedhsm.azure.net/; got "https://***@my-managed-hsm.managedhsm.azure.net/"',
    ],
  ])(
    "with --skip-schema-validation the templates fail on --set %s with the CLI's words",
    async (set, message) => {
      const args = ["template", "t", chartDir, "-f", exampleValues, "--set", set, "--skip-schema-validation"];
      const result = await runHelm(name, args, { reject: false });
      expect(result.exitCode).toBe(1);
      expect(String(result.stderr)).toContain(`): ${message}\n`);
      expect(String(result.stderr)).not.toContain("secret");
    },
  );
});
