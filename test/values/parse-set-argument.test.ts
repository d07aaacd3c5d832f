import { describe, expect, it } from "vitest";
import { parseSetArgument, typedSetValue } from "../../src/values/parse-set-argument.ts";
import { isValuesError } from "../../src/values/values-error.ts";

function parseSet(argument: string, options: { asString?: boolean } = {}) {
  const data: Record<string, unknown> = {};
  parseSetArgument(argument, data, options);
  return data;
}

describe("parseSetArgument (Helm strvals)", () => {
  it.each([
    ["a=1", { a: 1 }],
    ["a=0", { a: 0 }],
    ["a=007", { a: "007" }],
    ["a=-5", { a: -5 }],
    ["a=1.5", { a: "1.5" }],
    ["a=1e3", { a: "1e3" }],
    ["a=TRUE", { a: true }],
    ["a=yes", { a: "yes" }],
    ["a=Null", { a: null }],
    ["a=", { a: "" }],
    ["a=9223372036854775808", { a: "9223372036854775808" }],
    ["a.b.c=x", { a: { b: { c: "x" } } }],
    ["a=x,b=y", { a: "x", b: "y" }],
    ["a={x,1,true}", { a: ["x", 1, true] }],
    ["a[1]=x", { a: [null, "x"] }],
    ["a[0].b=x", { a: [{ b: "x" }] }],
    ["a\\.b=x", { "a.b": "x" }],
    ["a=x\\,y", { a: "x,y" }],
    ["url=https://h.managedhsm.azure.net/?a=b", { url: "https://h.managedhsm.azure.net/?a=b" }],
  ])("--set %s", (argument, expected) => {
    expect(parseSet(argument)).toEqual(expected);
  });

  it("--set-string keeps every value a string", () => {
    expect(parseSet("a=1,b=true,c=null,d={1,2}", { asString: true })).toEqual({
      a: "1",
      b: "true",
      c: "null",
      d: ["1", "2"],
    });
  });

  it("keeps __proto__ an ordinary key and never touches Object.prototype", () => {
    const data = parseSet("__proto__.polluted=1,a.__proto__.polluted=2");
    expect(Object.hasOwn(data, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it("merges into existing maps", () => {
    const data: Record<string, unknown> = { a: { b: 1, c: 2 } };
    parseSetArgument("a.c=3", data);
    expect(data).toEqual({ a: { b: 1, c: 3 } });
  });

  it.each(["a", "a.b", "a[x]=1", "a={1,2"])("rejects %s with a ValuesError", (argument) => {
    const attempt = () => parseSet(argument);
    expect(attempt).toThrow();
    try {
      attempt();
    } catch (error) {
      expect(isValuesError(error) && error.code).toBe("E_VALUES_SET");
    }
  });

  it("types like Helm's typedVal", () => {
    expect(typedSetValue("False", false)).toBe(false);
    expect(typedSetValue("+3", false)).toBe(3);
    expect(typedSetValue("0x1F", false)).toBe("0x1F");
  });

  it("holds a[65536] nested 3,000 deep as one entry per level (filling the gaps ran V8 out of heap)", () => {
    const data = parseSet(`a${"[65536]".repeat(3000)}=1`);
    let level: unknown = data.a;
    for (let depth = 0; depth < 3000; depth += 1) {
      expect(Array.isArray(level) && level.length).toBe(65537);
      expect(Object.keys(level as unknown[])).toEqual(["65536"]);
      level = (level as unknown[])[65536];
    }
    expect(level).toBe(1);
  });

  it("fills short gaps with null as Helm does, and refuses an index over 65536", () => {
    expect(parseSet("a[3]=x").a).toEqual([null, null, null, "x"]);
    expect(() => parseSet("a[65537]=1")).toThrow(/greater than maximum supported index of 65536/);
  });
});
