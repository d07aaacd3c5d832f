// The preflight bundle's stand-in for the global ReadableStream (scripts/build-preflight.ts): `instanceof`
// must answer as the real class does, and load Node's web streams only for a value that may be one.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readableStreamStandInSource } from "../../scripts/build-preflight.ts";

/**
 * Runs `check` after the stand-in in a fresh Node (this process has the web streams loaded already) and
 * returns what it printed as JSON. `webStreamsLoaded()` tells whether Node has loaded them by now.
 */
function inFreshNode(check: string): unknown {
  const source = [
    readableStreamStandInSource,
    'const webStreamsLoaded = () => process.moduleLoadList.includes("NativeModule internal/webstreams/readablestream");',
    'const { Readable } = await import("node:stream");',
    check,
  ].join("\n");
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8" });
  return JSON.parse(stdout);
}

describe("the ReadableStream stand-in", () => {
  it("answers false for request bodies that are not web streams, without loading web streams", () => {
    expect(
      inFreshNode(`console.log(JSON.stringify({
        answers: ["a body", new Uint8Array(2), new Readable(), {}, null, 7].map((v) => v instanceof ReadableStream),
        loaded: webStreamsLoaded(),
      }));`),
    ).toEqual({ answers: [false, false, false, false, false, false], loaded: false });
  });

  it("answers true for a web stream, made by the real class or by Node's streams", () => {
    expect(
      inFreshNode(`const { ReadableStream: Real } = await import("node:stream/web");
      console.log(JSON.stringify([
        new Real() instanceof ReadableStream,
        Readable.toWeb(new Readable({ read() {} })) instanceof ReadableStream,
        new Real() instanceof Uint8Array,
      ]));`),
    ).toEqual([true, true, false]);
  });

  it("is the real class for `new`, statics and subclasses", () => {
    expect(
      inFreshNode(`class Sub extends ReadableStream {}
      console.log(JSON.stringify([
        new ReadableStream() instanceof globalThis.ReadableStream,
        typeof ReadableStream.from,
        ReadableStream.prototype === globalThis.ReadableStream.prototype,
        new Sub() instanceof Sub && new Sub() instanceof globalThis.ReadableStream,
        typeof ReadableStream,
      ]));`),
    ).toEqual([true, "function", true, true, "function"]);
  });
});
