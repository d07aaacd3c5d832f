// The preflight bundle's lazy stand-ins for Node's built-ins (scripts/build-preflight.ts): each must offer
// what the real module offers, and load it only on first use.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { lazyBuiltinSource } from "../../scripts/build-preflight.ts";

const nodeRequire = createRequire(import.meta.url);

/** Evaluates the stand-in of `name` as the bundle does, with a `require` that counts its calls. */
function standIn(name: string): { exports: Record<string, unknown>; loads: () => number } {
  let loads = 0;
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string) => {
    loads++;
    return nodeRequire(id);
  };
  new Function("module", "require", lazyBuiltinSource(name))(module, require);
  return { exports: module.exports, loads: () => loads };
}

const functionOwn = ["length", "name", "prototype", "arguments", "caller"];

describe("lazyBuiltinSource", () => {
  it.each(["zlib", "child_process", "assert", "timers/promises"])(
    "%s: every own property of the real module, enumerable alike, and nothing loaded until one is read",
    (name) => {
      const real = process.getBuiltinModule(name) as Record<string, unknown>;
      const { exports, loads } = standIn(name);
      const names = (object: object) =>
        Object.getOwnPropertyNames(object).filter(
          (key) => typeof real !== "function" || !functionOwn.includes(key),
        );
      expect(names(exports).sort()).toEqual(names(real).sort());
      expect(Object.keys(exports).sort()).toEqual(Object.keys(real).sort());
      expect(loads()).toBe(0);
      for (const key of names(real)) expect(exports[key], key).toBe(real[key]);
      expect(loads()).toBe(1);
    },
  );

  it("keeps zlib's non-enumerable legacy constants", () => {
    expect(standIn("zlib").exports.Z_SYNC_FLUSH).toBe(2);
  });

  it("forwards assert's calls and `new`, so its errors are the real ones", () => {
    const assert = standIn("assert").exports as unknown as ((value: unknown) => void) &
      Record<string, new (options: { message: string }) => Error>;
    expect(() => assert(true)).not.toThrow();
    expect(() => assert(false)).toThrow(nodeRequire("node:assert").AssertionError);
    const AssertionError = assert.AssertionError as new (options: { message: string }) => Error;
    expect(new AssertionError({ message: "m" })).toBeInstanceOf(nodeRequire("node:assert").AssertionError);
  });

  it("writes through to the real module", () => {
    const real = nodeRequire("node:zlib") as Record<string, unknown>;
    const { exports } = standIn("zlib");
    const before = real.gzipSync;
    try {
      exports.gzipSync = "replaced";
      expect(real.gzipSync).toBe("replaced");
    } finally {
      real.gzipSync = before;
    }
  });
});
