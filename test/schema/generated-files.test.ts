import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedFiles, generatedPath, publishedValuesSchema } from "../../src/schema/index.ts";

const files = await generatedFiles();

describe("files generated from the values model", () => {
  it.each(files)("$path is in sync (run 'npm run generate' when this fails)", async (file) => {
    expect(await readFile(generatedPath(file), "utf8")).toBe(file.content);
  });

  it("the schema is self-contained draft-07 with no format, $id or $ref", () => {
    const text = JSON.stringify(publishedValuesSchema());
    expect(publishedValuesSchema().$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(text).not.toMatch(/"(format|\$id|\$ref|anyOf|oneOf|allOf|x-[a-z-]+)"/);
  });

  it("every pattern is plain RE2 syntax (no lookaround, backreference or named group)", () => {
    const patterns = [
      ...JSON.stringify(publishedValuesSchema()).matchAll(/"pattern":"((?:[^"\\]|\\.)*)"/g),
    ].map((match) => JSON.parse(`"${match[1]}"`) as string);
    expect(patterns.length).toBeGreaterThan(5);
    for (const pattern of patterns) {
      expect(pattern).not.toMatch(/\(\?[=!<]|\\[1-9]|\(\?P?</);
      expect(() => new RegExp(pattern, "u")).not.toThrow();
    }
  });

  it("keeps global open and every other object closed", () => {
    const schema = publishedValuesSchema() as {
      properties: Record<string, { additionalProperties?: unknown }>;
    };
    expect(schema.properties.global?.additionalProperties).toEqual({});
    const closed = JSON.stringify(schema).match(/"additionalProperties":false/g) ?? [];
    expect(closed.length).toBeGreaterThanOrEqual(9);
  });
});
