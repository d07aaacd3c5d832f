// The preflight bundle's stand-ins for the global ReadableStream and for util (scripts/build-preflight.ts):
// each must answer as the real one does, and load none of Node's modules behind it that it need not.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readableStreamStandInSource, utilStandInSource } from "../../scripts/build-preflight.ts";

/** Runs `source` (an ES module) in a fresh Node, with its modules not loaded yet; returns its JSON output. */
function inFreshNode(source: string): unknown {
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8" });
  return JSON.parse(stdout);
}

/**
 * Runs `check` after the ReadableStream stand-in in a fresh Node. `webStreamsLoaded()` tells whether Node
 * has loaded its web streams by now.
 */
function afterReadableStream(check: string): unknown {
  return inFreshNode(
    [
      readableStreamStandInSource,
      'const webStreamsLoaded = () => process.moduleLoadList.includes("NativeModule internal/webstreams/readablestream");',
      'const { Readable } = await import("node:stream");',
      check,
    ].join("\n"),
  );
}

describe("the ReadableStream stand-in", () => {
  it("answers false for request bodies that are not web streams, without loading web streams", () => {
    expect(
      afterReadableStream(`console.log(JSON.stringify({
        answers: ["a body", new Uint8Array(2), new Readable(), {}, null, 7].map((v) => v instanceof ReadableStream),
        loaded: webStreamsLoaded(),
      }));`),
    ).toEqual({ answers: [false, false, false, false, false, false], loaded: false });
  });

  it("answers true for a web stream, made by the real class or by Node's streams", () => {
    expect(
      afterReadableStream(`const { ReadableStream: Real } = await import("node:stream/web");
      console.log(JSON.stringify([
        new Real() instanceof ReadableStream,
        Readable.toWeb(new Readable({ read() {} })) instanceof ReadableStream,
        new Real() instanceof Uint8Array,
      ]));`),
    ).toEqual([true, true, false]);
  });

  it("is the real class for `new`, statics, `in` and subclasses", () => {
    expect(
      afterReadableStream(`class Sub extends ReadableStream {}
      console.log(JSON.stringify([
        new ReadableStream() instanceof globalThis.ReadableStream,
        typeof ReadableStream.from,
        "from" in ReadableStream,
        ReadableStream.prototype === globalThis.ReadableStream.prototype,
        new Sub() instanceof Sub && new Sub() instanceof globalThis.ReadableStream,
        new Sub() instanceof ReadableStream,
        new globalThis.ReadableStream() instanceof Sub,
        typeof ReadableStream,
      ]));`),
    ).toEqual([true, "function", true, true, true, true, false, "function"]);
  });
});

describe("the util stand-in", () => {
  it("mirrors the running Node's util and loads nothing, even when its descriptors are read", () => {
    const result = inFreshNode(`
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const loadedBefore = process.moduleLoadList.length;
      const module = { exports: {} };
      new Function("module", "require", ${JSON.stringify(utilStandInSource)})(module, require);
      const util = module.exports;
      // What esbuild's __toESM does with a module imported by default.
      for (const name of Object.getOwnPropertyNames(util)) Object.getOwnPropertyDescriptor(util, name);
      const loaded = process.moduleLoadList.slice(loadedBefore);
      const real = require("node:util");
      const names = Object.getOwnPropertyNames(real);
      const same = names.every((name) => util[name] === real[name]);
      const before = real.inspect;
      util.inspect = "written";
      const written = real.inspect === "written";
      real.inspect = before;
      console.log(JSON.stringify({
        loaded,
        names: JSON.stringify(Object.getOwnPropertyNames(util)) === JSON.stringify(names),
        keys: JSON.stringify(Object.keys(util)) === JSON.stringify(Object.keys(real)),
        same,
        written,
      }));`);
    expect(result).toEqual({ loaded: [], names: true, keys: true, same: true, written: true });
  });

  it("is a real need: the same descriptor loop over util itself loads Node modules", () => {
    const result = inFreshNode(`
      // By require: an ES module import of node:util reads every export itself.
      const util = process.getBuiltinModule("node:util");
      const loadedBefore = process.moduleLoadList.length;
      for (const name of Object.getOwnPropertyNames(util)) Object.getOwnPropertyDescriptor(util, name);
      console.log(JSON.stringify(process.moduleLoadList.slice(loadedBefore).length));`);
    expect(result).toBeGreaterThan(0);
  });
});
