import { execa } from "execa";
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { runCliInProcess } from "../helpers/run-cli-in-process.ts";

const run = runCliInProcess;

describe("spirl-keywrap CLI", () => {
  it("--version prints the package version", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, out: `${packageJson.version}\n`, err: "" });
  });

  it("--help prints usage that names the program", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: spirl-keywrap <command>/);
  });

  it("no arguments prints usage", async () => {
    expect((await run([])).out).toMatch(/^Usage:/);
  });

  it("an unknown command is a usage error on one line with exit 2", async () => {
    const { code, out, err } = await run(["frobnicate"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(
      /^spirl-keywrap: unknown command 'frobnicate'; expected one of: ([a-z-]+, )*help; see 'spirl-keywrap --help'\n$/,
    );
  });

  it("-- before the command ends the top-level options, as in other CLIs", async () => {
    const { code, out } = await run(["--", "validate", "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: spirl-keywrap validate /);
    expect((await run(["--"])).out).toMatch(/^Usage: spirl-keywrap <command>/);
    expect((await run(["--", "--version"])).err).toMatch(/^spirl-keywrap: unknown command '--version'/);
  });

  it("an unknown command is escaped, so it cannot forge a line or recolour the terminal", async () => {
    const { code, err } = await run(["x\n\u001b[31mvalid\u202e"]);
    expect(code).toBe(2);
    expect(err).toMatch(/^spirl-keywrap: unknown command 'x\\n\\x1b\[31mvalid\\u202e'; /);
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("an unknown flag is a usage error naming the flag", async () => {
    const { code, err } = await run(["--frob"]);
    expect(code).toBe(2);
    expect(err).toMatch(/'--frob'/);
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("the installed bin runs under Node 24 via npx", async () => {
    const result = await execa("npx", ["--no-install", "spirl-keywrap", "--version"]);
    expect(result.stdout).toBe(packageJson.version);
    const node = await execa("npx", ["--no-install", "node", "--version"]);
    expect(node.stdout).toMatch(/^v24\./);
  });
});
