import { describe, expect, it } from "vitest";
import { parseListen } from "../../src/cli/server-command.ts";
import { failureCatalogue } from "../../src/preflight/index.ts";
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";

describe("spirl-keywrap server: settings", () => {
  it("prints its help with every environment variable", async () => {
    const run = await runCliInProcess(["server", "--help"]);
    expect(run.code).toBe(0);
    for (const name of ["SPIRL_KEYWRAP_TRUST_DOMAIN", "SPIRL_KEYWRAP_LISTEN", "SPIRL_KEYWRAP_TOKEN_AUDIENCE"])
      expect(run.out).toContain(name);
  });

  it.each([
    ["no trust domain", ["--insecure-http"], /--trust-domain \(or SPIRL_KEYWRAP_TRUST_DOMAIN\) is required/],
    [
      "a trust domain the SPIFFE spec refuses",
      ["--trust-domain", "Example.org", "--insecure-http"],
      /trustDomainServer.trustDomain \(--trust-domain or SPIRL_KEYWRAP_TRUST_DOMAIN\) must be lowercase/,
    ],
    [
      "neither a certificate nor --insecure-http",
      ["--trust-domain", "example.org"],
      /--tls-cert-file and --tls-key-file.*or --insecure-http/,
    ],
    [
      "a certificate and --insecure-http",
      ["--trust-domain", "example.org", "--insecure-http", "--tls-cert-file", "a", "--tls-key-file", "b"],
      /or --insecure-http/,
    ],
    [
      "a self-signed certificate and --insecure-http",
      ["--trust-domain", "example.org", "--insecure-http", "--dev-self-signed-tls"],
      /--dev-self-signed-tls, or --insecure-http/,
    ],
    [
      "a certificate file and a self-signed certificate",
      [
        "--trust-domain",
        "example.org",
        "--dev-self-signed-tls",
        "--tls-cert-file",
        "a",
        "--tls-key-file",
        "b",
      ],
      /--dev-self-signed-tls, or --insecure-http/,
    ],
    [
      "a key lifetime without a unit",
      ["--trust-domain", "example.org", "--insecure-http", "--jwt-key-lifetime", "7"],
      /--jwt-key-lifetime: expected a duration such as 90s, 12h or 7d; got "7"/,
    ],
    [
      "a key that would be replaced before it is published",
      ["--trust-domain", "example.org", "--insecure-http", "--x509-key-lifetime", "3d"],
      /--x509-key-lifetime \(259200s\) must be longer than --x509-key-prepublish plus --x509-svid-ttl \(262800s\)/,
    ],
    [
      "a listen address without a port",
      ["--trust-domain", "example.org", "--insecure-http", "--listen", "0.0.0.0"],
      /--listen: expected HOST:PORT/,
    ],
    [
      "a token audience with a space",
      ["--trust-domain", "example.org", "--insecure-http", "--token-audience", "a b"],
      /trustDomainServer.tokenAudience \(--token-audience or SPIRL_KEYWRAP_TOKEN_AUDIENCE\)/,
    ],
    ["an unknown flag", ["--trust-domain", "example.org", "--bogus"], /Unknown option '--bogus'/],
  ])("stops with exit 2 on %s", async (_, args, message) => {
    const run = await runCliInProcess(["server", ...args]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split("\n")).toHaveLength(1);
  });

  it("runs the preflight first: an invalid HSM URL stops it with the preflight's line and exit status", async () => {
    const run = await runCliInProcess([
      "server",
      "--trust-domain",
      "example.org",
      "--insecure-http",
      "--url",
      "https://example.vault.azure.net/",
      "--key-name",
      "k",
    ]);
    expect(run.code).toBe(failureCatalogue.URL_NOT_MANAGED_HSM.exitCode);
    expect(run.err).toContain("URL_NOT_MANAGED_HSM");
  });
});

describe("parseListen", () => {
  it.each([
    ["0.0.0.0:8443", { host: "0.0.0.0", port: 8443 }],
    ["[::1]:0", { host: "::1", port: 0 }],
    [":9000", { host: "0.0.0.0", port: 9000 }],
  ])("reads %s", (value, expected) => {
    expect(parseListen(value, "--listen")).toEqual(expected);
  });

  it("refuses a port above 65535", () => {
    expect(() => parseListen("0.0.0.0:70000", "--listen")).toThrow(/expected HOST:PORT/);
  });
});
