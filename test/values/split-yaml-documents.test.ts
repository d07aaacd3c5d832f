import { describe, expect, it } from "vitest";
import { splitYamlDocuments } from "../../src/values/split-yaml-documents.ts";
import { isValuesError } from "../../src/values/values-error.ts";

const split = (text: string) =>
  splitYamlDocuments(Buffer.from(text), "v.yaml").map((doc) => [
    Buffer.from(doc.bytes).toString(),
    doc.firstLine,
  ]);

describe("splitYamlDocuments cuts a values file as Helm 4's loader does", () => {
  it("at --- lines, dropping CR before LF, adding the final newline", () => {
    expect(split("a: 1\r\n---\r\nb: 2")).toEqual([
      ["a: 1\n", 0],
      ["b: 2\n", 2],
    ]);
  });

  it("skips empty documents and allows a comment after ---", () => {
    expect(split("---\n--- # c\na: 1\n---\n")).toEqual([["a: 1\n", 2]]);
  });

  it.each(["--- foo", "---a: 1", "----"])("refuses a separator with content: %j", (line) => {
    let thrown: unknown;
    try {
      split(`a: 1\n${line}\n`);
    } catch (error) {
      thrown = error;
    }
    expect(isValuesError(thrown) && thrown.code).toBe("E_VALUES_YAML");
    expect((thrown as Error).message).toMatch(/^v\.yaml:2: not valid YAML: invalid Yaml document separator/);
  });
});
