import { describe, expect, it } from "vitest";
import { parseValuesYaml } from "../../src/values/parse-values-yaml.ts";

// yaml-to-values.ts through its caller: a document decoded as go-yaml v2 + sigs.k8s.io/yaml decode it.
const parse = (yaml: string) => parseValuesYaml(yaml, "v.yaml").value;

describe("values decoded as Helm decodes them", () => {
  it("passes 1,500 aliases of one anchor (the yaml package's maxAliasCount refused them)", () => {
    const aliases = Array.from({ length: 1500 }, () => "*a").join(",");
    const value = parse(`x: &a 1\nl: [${aliases}]\n`) as { l: number[] };
    expect(value.l).toHaveLength(1500);
  });

  it("refuses a billion laughs with go-yaml's words", () => {
    const lines = ["l0: &l0 [x,x,x,x,x,x,x,x,x]"];
    for (let level = 1; level < 9; level += 1)
      lines.push(
        `l${level}: &l${level} [${Array(9)
          .fill(`*l${level - 1}`)
          .join(",")}]`,
      );
    expect(() => parse(`${lines.join("\n")}\n`)).toThrow(/document contains excessive aliasing/);
  });

  it("gives every alias its own copy, as go-yaml decodes each one", () => {
    const value = parse("a: &m {k: 1}\nb: *m\n") as { a: object; b: object };
    expect(value.b).toEqual(value.a);
    expect(value.b).not.toBe(value.a);
  });

  it("resolves an alias to the last anchor of that name before it", () => {
    expect(parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n")).toEqual({ a: 1, b: 1, c: 2, d: 2 });
  });

  it("applies merge keys in place, in order", () => {
    expect(parse("base: &b {k: 1, l: 1}\nm:\n  k: 2\n  <<: *b\n  l: 3\n")).toMatchObject({
      m: { k: 1, l: 3 },
    });
  });

  it.each([
    ["!!float 5", 5],
    ['!!int "5"', 5],
    ["!!str 5", "5"],
    ["!!bool yes", true],
  ])("resolves the explicit tag %s as go-yaml does", (text, expected) => {
    expect(parse(`a: ${text}\n`)).toEqual({ a: expected });
  });

  it.each(["!!int 5.0", "!!float abc", ".inf", "-.inf", ".nan"])("refuses %s as Helm does", (text) => {
    expect(() => parse(`a: ${text}\n`)).toThrow(
      /not valid YAML: (cannot decode|error converting YAML to JSON)/,
    );
  });

  it("writes map keys as sigs.k8s.io/yaml does and refuses a null key", () => {
    expect(Object.keys(parse("1: a\n0x10: b\nyes: c\n1.5: d\n1e7: e\n"))).toEqual(
      expect.arrayContaining(["1", "16", "true", "1.5", "1e+07"]),
    );
    expect(() => parse("~: a\n")).toThrow(/unsupported map key/);
  });

  it("keeps __proto__ an own key", () => {
    const value = parse("__proto__: {a: 1}\n") as Record<string, unknown>;
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it("refuses more than 10000 nesting levels, as go-yaml does", () => {
    expect(() => parse(`a: ${"[".repeat(10_001)}${"]".repeat(10_001)}\n`)).toThrow(
      /exceeded max depth of 10000|nested too deeply/,
    );
  });
});
