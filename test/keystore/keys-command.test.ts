import { describe, expect, it } from "vitest";
import { configSources } from "../../src/preflight/index.ts";
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";

describe("spirl-keywrap keys: usage", () => {
  it("lists itself in --help", async () => {
    const run = await runCliInProcess(["--help"]);
    expect(run.out).toMatch(/^ {2}keys +List, verify or rewrap/m);
  });

  it("keys --help names the preflight's own variables for the HSM settings", async () => {
    const run = await runCliInProcess(["keys", "--help"]);
    expect(run.code).toBe(0);
    for (const source of Object.values(configSources)) expect(run.out).toContain(`${source.flag}`);
    for (const source of Object.values(configSources)) expect(run.out).toContain(source.env);
  });

  it.each([
    [["keys"], 'expected list, verify or rewrap; got ""'],
    [["keys", "rotate"], 'expected list, verify or rewrap; got "rotate"'],
    [["keys", "list", "extra"], 'unexpected argument "extra"'],
    [["keys", "list", "--format", "yaml"], "--format must be text or json"],
    [["keys", "list", "--bogus"], "Unknown option '--bogus'"],
  ])("%j is a usage error", async (argv, message) => {
    const run = await runCliInProcess(argv);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
  });

  it("verify refuses a missing trust domain or HSM setting before touching anything", async () => {
    const noUrl = await runCliInProcess([
      "keys",
      "verify",
      "--key-name",
      "k",
      "--trust-domain",
      "example.org",
    ]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain("azure.keyVault.url");
    const noTrustDomain = await runCliInProcess([
      "keys",
      "verify",
      "--url",
      "https://my-hsm.managedhsm.azure.net/",
      "--key-name",
      "k",
    ]);
    expect(noTrustDomain.code).toBe(2);
    expect(noTrustDomain.err).toContain("--trust-domain");
  });
});
