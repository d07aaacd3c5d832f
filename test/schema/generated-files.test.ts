import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  annotatedValuesSchema,
  generatedFiles,
  generatedPath,
  publishedValuesSchema,
} from "../../src/schema/index.ts";

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

  it("every regex Helm runs is plain RE2 syntax: schema patterns and the template checks' x-problems", () => {
    // The template checks (_check-values.tpl) run each x-problems `when`/`unless` with Go's regexMatch.
    const regexes: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) for (const item of node) collect(item);
      if (node === null || typeof node !== "object") return;
      for (const [key, value] of Object.entries(node)) {
        if ((key === "pattern" || key === "when" || key === "unless") && typeof value === "string")
          regexes.push(value);
        else collect(value);
      }
    };
    collect(annotatedValuesSchema());
    const template = files.find((file) => file.path.endsWith("_check-values.tpl"))?.content ?? "";
    const inTemplate = [...template.matchAll(/regexMatch ("(?:[^"\\]|\\.)*")/g)].map(
      (match) => JSON.parse(match[1] ?? '""') as string,
    );
    expect(regexes.length).toBeGreaterThan(20);
    expect(inTemplate.length).toBeGreaterThan(10);
    // Every regex the template runs was checked here.
    expect(inTemplate.filter((regex) => !regexes.includes(regex))).toEqual([]);
    for (const regex of regexes) {
      // No lookaround, backreference or named group (RE2 has none); no \s, Unicode in JS but ASCII in Go.
      expect(regex, regex).not.toMatch(/\(\?[=!<]|\\[1-9]|\(\?P?<|\\[sS]/);
      expect(() => new RegExp(regex, "u")).not.toThrow();
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
