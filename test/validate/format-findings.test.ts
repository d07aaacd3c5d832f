import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/validate/index.ts";
import { formatFindingsJson, formatFindingsText } from "../../src/validate/index.ts";

// A key or file name written to forge a second finding line, recolour the terminal or reorder text.
const hostile = [
  "x\n/etc/values.yaml:1:1 azure.keyVault.url: is fine",
  "\u001b[2J\u001b[31mred",
  "\u009b31m",
  "abc\u202edcba",
  "a\u2028b",
  "tab\there",
  "back\\slash",
];

function unknownKey(key: string, file: string): Finding {
  return {
    code: "unknown-key",
    path: ["global", key],
    message: 'is not a known key; expected one of x; got "k"',
    source: { kind: "file", file, line: 1, col: 1 },
  };
}

describe("findings formatters escape what came from input", () => {
  it.each(hostile)("text: key %j stays on one line with no control or format character", (key) => {
    const text = formatFindingsText([unknownKey(key, `dir/${key}.yaml`)]);
    expect(text.split("\n")).toHaveLength(2);
    expect(text.trimEnd()).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
  });

  it("text: escapes as Go's %q does", () => {
    const text = formatFindingsText([unknownKey("a\nb\u001b\u202e\\", "f.yaml")]);
    expect(text).toBe(
      'f.yaml:1:1 global.a\\nb\\x1b\\u202e\\\\: is not a known key; expected one of x; got "k"\n',
    );
  });

  it.each(hostile)("json: key %j round-trips as data with no raw control or format character", (key) => {
    const json = formatFindingsJson([unknownKey(key, key)]);
    // Newlines between JSON lines are layout; inside a string every one is escaped.
    expect(json.replaceAll("\n", "")).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
    const parsed = JSON.parse(json) as { findings: { path: string; file: string }[] };
    expect(parsed.findings[0]?.path).toBe(`global.${key}`);
    expect(parsed.findings[0]?.file).toBe(key);
  });
});
