import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/cli/exit-code.ts";
import {
  catalogueMarkers,
  failureCatalogue,
  failureCodes,
  renderFailureCatalogue,
} from "../../src/preflight/index.ts";
import { producedFailures } from "../helpers/produced-failures.ts";

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

  // Recorded by the assertion helpers only once a run (or the classifier) produced the code; vitest runs
  // this file after the unit tests (see vitest.config.ts), so a run of this file alone has nothing to read.
  it("has a test that produced every class in this run", (context) => {
    const produced = producedFailures();
    if (produced === undefined) context.skip("no producing test ran in this vitest run");
    const byCode = new Map((produced ?? []).map((record) => [record.code, record]));
    const unproduced = failureCodes.filter((code) => !byCode.has(code));
    expect(unproduced).toEqual([]);
    for (const record of byCode.values()) expect(record.test, record.code).not.toBe("");
  });

  it("is in README.md exactly as generated (npm run generate)", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const begin = readme.indexOf(catalogueMarkers.begin);
    const end = readme.indexOf(catalogueMarkers.end);
    expect(begin).toBeGreaterThan(-1);
    expect(readme.slice(begin + catalogueMarkers.begin.length, end).trim()).toBe(renderFailureCatalogue());
  });
});
