import { describe, expect, it } from "vitest";
import { locateValues } from "../../src/validate/locate-value.ts";
import { parseValuesYaml, type ValuesLayer } from "../../src/values/index.ts";

const fileLayer = (name: string, yaml: string): ValuesLayer => ({
  kind: "file",
  file: parseValuesYaml(yaml, name),
});

describe("locateValues", () => {
  it("points every one of 5,000 unknown keys at its own line, in one pass", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const layer = fileLayer("v.yaml", `a: 1\n${keys.map((key) => `${key}: x`).join("\n")}\n`);
    const located = locateValues(
      [layer],
      keys.map((key) => ({ path: [key], atKey: true })),
    );
    expect(located.map((where) => (where?.source.kind === "file" ? where.source.line : 0))).toEqual(
      keys.map((_, i) => i + 2),
    );
  });

  it("prefers the deepest path written, then the latest layer, and counts lines across documents", () => {
    const chart = fileLayer("chart.yaml", "a:\n  b: 1\n");
    const user = fileLayer("user.yaml", "x: 1\n---\na:\n  c: 2\n");
    const flag: ValuesLayer = { kind: "flag", flag: "--set", argument: "a.b=3", value: { a: { b: 3 } } };
    const [fromFlag, missing, fromSecondDoc] = locateValues(
      [chart, user, flag],
      [{ path: ["a", "b"] }, { path: ["a", "z"] }, { path: ["a", "c"] }],
    );
    expect(fromFlag?.source).toEqual({ kind: "flag", flag: "--set", argument: "a.b=3" });
    // a.z is written nowhere: its deepest written ancestor, `a`, last set by the flag.
    expect(missing?.source).toEqual({ kind: "flag", flag: "--set", argument: "a.b=3" });
    expect(fromSecondDoc?.source).toEqual({ kind: "file", file: "user.yaml", line: 4, col: 6 });
  });
});
