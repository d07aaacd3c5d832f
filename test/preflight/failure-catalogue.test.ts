import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/cli/exit-code.ts";
import {
  catalogueMarkers,
  failureCatalogue,
  failureCodes,
  renderFailureCatalogue,
} from "../../src/preflight/index.ts";

describe("the preflight failure catalogue", () => {
  it("has at least the issue's classes, each with its own exit status outside the shared ones", () => {
    expect(failureCodes.length).toBeGreaterThanOrEqual(15);
    const exitCodes = failureCodes.map((code) => failureCatalogue[code].exitCode);
    expect(new Set(exitCodes).size).toBe(exitCodes.length);
    for (const exitCode of exitCodes) {
      expect(Object.values(ExitCode)).not.toContain(exitCode);
      expect(exitCode).toBeGreaterThan(2);
      expect(exitCode).toBeLessThan(126);
    }
  });

  it("gives every class a one-line meaning and fix", () => {
    for (const code of failureCodes) {
      const { meaning, fix } = failureCatalogue[code];
      expect(meaning, code).not.toMatch(/\n/);
      expect(fix, code).not.toMatch(/\n/);
      expect(fix.length, code).toBeGreaterThan(10);
    }
  });

  it("has a test that produces every class", async () => {
    const dir = new URL("./", import.meta.url);
    const files = (await readdir(dir)).filter(
      (name) => name.endsWith(".test.ts") && !name.startsWith("failure-catalogue"),
    );
    const tests = (await Promise.all(files.map((name) => readFile(new URL(name, dir), "utf8")))).join("\n");
    const untested = failureCodes.filter((code) => !tests.includes(`"${code}"`));
    expect(untested).toEqual([]);
  });

  it("is in README.md exactly as generated (npm run generate)", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const begin = readme.indexOf(catalogueMarkers.begin);
    const end = readme.indexOf(catalogueMarkers.end);
    expect(begin).toBeGreaterThan(-1);
    expect(readme.slice(begin + catalogueMarkers.begin.length, end).trim()).toBe(renderFailureCatalogue());
  });
});
