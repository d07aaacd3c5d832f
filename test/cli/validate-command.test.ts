import { describe, expect, it } from "vitest";
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";
import { writeValuesFile } from "../helpers/values-judges.ts";

function validate(args: string[]) {
  return runCliInProcess(["validate", ...args]);
}

const good = await writeValuesFile(
  "good",
  'azure:\n  keyVault:\n    url: "https://my-managed-hsm.managedhsm.azure.net/"\n    keyName: "defakto-wrapping-key"\n',
);

describe("spirl-keywrap validate", () => {
  it("exits 0 on valid values", async () => {
    expect(await validate(["-f", good])).toEqual({
      code: 0,
      out: "spirl-keywrap validate: the values are valid\n",
      err: "",
    });
  });

  it("prints one line per finding with file, line and column, and exits 1", async () => {
    const file = await writeValuesFile(
      "bad",
      [
        "azure:",
        "  keyVault:",
        '    url: "https://my-vault.vault.azure.net/"',
        "    keyName: yes",
        "    keyVerison: a1b2",
        "",
      ].join("\n"),
    );
    const { code, out } = await validate(["-f", file]);
    expect(code).toBe(1);
    expect(out.split("\n")).toEqual([
      `${file}:3:10 azure.keyVault.url: is a standard Key Vault URL; only Managed HSM is supported for key wrapping; expected https://<hsm-name>.managedhsm.azure.net/; got "https://my-vault.vault.azure.net/"`,
      `${file}:4:14 azure.keyVault.keyName: must be a string; expected 1-127 letters, digits and hyphens; got true; YAML reads unquoted yes as boolean true; quote it`,
      `${file}:5:5 azure.keyVault.keyVerison: is not a known key; expected one of url, keyName, keyVersion; got "keyVerison"; did you mean keyVersion?`,
      "",
    ]);
  });

  it("names the --set flag for values from the command line", async () => {
    const { code, out } = await validate(["-f", good, "--set", "azure.keyVault.keyVersion=latest"]);
    expect(code).toBe(1);
    expect(out).toBe(
      '--set azure.keyVault.keyVersion: is not a version id; omit keyVersion to use the latest version; expected a hexadecimal key version of at most 32 characters (e.g. a1b2c3d4e5f6), or empty; got "latest"\n',
    );
  });

  it("suggests --set-string when --set typed a number", async () => {
    const { out } = await validate(["-f", good, "--set", "azure.keyVault.keyName=12345"]);
    expect(out).toMatch(/got 12345; --set reads this as a number; use --set-string to pass a string\n$/);
    expect((await validate(["-f", good, "--set-string", "azure.keyVault.keyName=12345"])).code).toBe(0);
  });

  it("applies --set-string after --set whatever their order, as helm does", async () => {
    const args = [
      "-f",
      good,
      "--set-string",
      "azure.keyVault.keyVersion=a1b2",
      "--set",
      "azure.keyVault.keyVersion=latest",
    ];
    expect((await validate(args)).code).toBe(0);
  });

  it("points at the chart default when a required value was never set", async () => {
    const { code, out } = await validate(["--set", "azure.keyVault.keyName=k"]);
    expect(code).toBe(1);
    expect(out).toMatch(
      /^charts\/spirl-system\/values\.yaml:\d+:\d+ azure\.keyVault\.url: is not set; set it to the URL of your Managed HSM; /,
    );
  });

  it("reports a null that deleted a required value as missing", async () => {
    const { out } = await validate(["-f", good, "--set", "azure.keyVault.keyName=null"]);
    expect(out).toBe(
      "--set azure.keyVault.keyName: is required; expected 1-127 letters, digits and hyphens; got nothing\n",
    );
  });

  it("never prints the password of a URL", async () => {
    const { out } = await validate([
      "-f",
      good,
      "--set",
      "azure.keyVault.url=https://me:hunter2@x.managedhsm.azure.net/",
    ]);
    expect(out).toContain('got "https://***@x.managedhsm.azure.net/"');
    expect(out).not.toContain("hunter2");
  });

  it("lists findings as data with --format json", async () => {
    const file = await writeValuesFile(
      "json",
      "azure:\n  keyVault:\n    url: http://x.managedhsm.azure.net\n",
    );
    const { code, out } = await validate(["-f", good, "-f", file, "--format", "json"]);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({
      valid: false,
      findings: [
        {
          code: "invalid-format",
          path: "azure.keyVault.url",
          message:
            'must use the https scheme; expected https://<hsm-name>.managedhsm.azure.net/; got "http://x.managedhsm.azure.net"',
          file,
          line: 3,
          col: 10,
        },
      ],
    });
  });

  it.each([
    [["--format", "xml"], /--format must be text or json/],
    [["--frob"], /'--frob'/],
    [["extra"], /unexpected argument 'extra'/],
    [
      ["-f", "/nonexistent/values.yaml"],
      /\/nonexistent\/values\.yaml: cannot read the values file \(ENOENT\)/,
    ],
    [["--set", "azure.keyVault"], /--set azure.keyVault: cannot parse: key "keyVault" has no value/],
  ])("exits 2 with one line for %j", async (args, message) => {
    const { code, out, err } = await validate(args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(message);
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 on a file that is not YAML, naming the position", async () => {
    const file = await writeValuesFile("broken", "azure:\n  keyVault: [\n");
    const { code, err } = await validate(["-f", file]);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^spirl-keywrap validate: ${file}:\\d+:\\d+: not valid YAML: `));
  });
});
