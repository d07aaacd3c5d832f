import { describe, expect, it } from "vitest";
import { failureCatalogue } from "../../src/preflight/index.ts";
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";

describe("spirl-keywrap preflight (arguments)", () => {
  it("prints its help, naming the environment variables the chart sets", async () => {
    const run = await runCliInProcess(["preflight", "--help"]);
    expect(run.code).toBe(0);
    for (const name of [
      "SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL",
      "SPIRL_KEYWRAP_AZURE_KEY_NAME",
      "SPIRL_KEYWRAP_AZURE_KEY_VERSION",
      "--timeout",
      "--log-format",
    ])
      expect(run.out).toContain(name);
  });

  it("is listed in the top-level help", async () => {
    expect((await runCliInProcess(["--help"])).out).toMatch(
      /^ {2}preflight +Prove the Managed HSM key works/m,
    );
  });

  it("rejects an unknown log format as a usage error", async () => {
    const run = await runCliInProcess(["preflight", "--log-format", "yaml"]);
    expect(run).toMatchObject({ code: 2, out: "" });
    expect(run.err).toContain("--log-format must be text or json");
  });

  it.each(["preflight", "server", "keys", "validate"])(
    "%s: escapes an unknown flag in its one usage line, so input cannot drive the terminal",
    async (command) => {
      const run = await runCliInProcess([command, "--\u001b[2J\nforged"]);
      expect(run).toMatchObject({ code: 2, out: "" });
      expect(run.err).not.toContain("\u001b");
      expect(run.err).toContain("\\x1b[2J\\nforged");
      expect(run.err.trimEnd().split("\n")).toHaveLength(1);
      expect(run.err).toContain(`see 'spirl-keywrap ${command} --help'`);
    },
  );

  it("fails a bad flag value with CONFIG_INVALID before any network call", async () => {
    const run = await runCliInProcess([
      "preflight",
      "--url",
      "https://my-hsm.managedhsm.azure.net/",
      "--key-name",
      "k",
      "--timeout",
      "forever",
    ]);
    expect(run.code).toBe(failureCatalogue.CONFIG_INVALID.exitCode);
    expect(run.err).toContain("Preflight failed: CONFIG_INVALID (exit 10): --timeout must be a duration");
    expect(run.err).toContain("Fix: Set --timeout to a duration such as 60s.");
  });
});
