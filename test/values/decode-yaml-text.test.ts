import { describe, expect, it } from "vitest";
import { decodeYamlText } from "../../src/values/decode-yaml-text.ts";

const decode = (...bytes: number[]) => decodeYamlText(Uint8Array.from(bytes), "v.yaml");
const ascii = (text: string) => [...Buffer.from(text)];

describe("decodeYamlText reads bytes as go-yaml's reader does", () => {
  it("picks UTF-16 from its byte order mark and skips a UTF-8 one", () => {
    expect(decode(0xff, 0xfe, 0x61, 0x00, 0x3a, 0x00)).toBe("a:");
    expect(decode(0xfe, 0xff, 0x00, 0x61, 0x00, 0x3a)).toBe("a:");
    expect(decode(0xef, 0xbb, 0xbf, ...ascii("a:"))).toBe("a:");
  });

  it.each([
    ["malformed UTF-8", [0x61, 0xff]],
    ["overlong UTF-8", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a cut sequence", [0x61, 0xe2, 0x82]],
    ["odd-length UTF-16", [0xff, 0xfe, 0x61]],
  ])("refuses %s", (_, bytes) => {
    expect(() => decode(...bytes)).toThrow(/not valid YAML: the file is not valid UTF-(8|16)/);
  });

  it.each([
    ["NUL", 0x00],
    ["ESC", 0x1b],
    ["DEL", 0x7f],
  ])("refuses a raw %s anywhere, with its line", (_, byte) => {
    expect(() => decode(...ascii('a: 1\nb: "x'), byte, ...ascii('"\n'))).toThrow(
      /^v\.yaml:2: not valid YAML: control characters are not allowed/,
    );
  });

  it("refuses C1 controls but keeps NEL, tabs and astral characters", () => {
    expect(() => decode(0xc2, 0x80)).toThrow(/control characters/);
    expect(decode(0xc2, 0x85, 0x09, 0xf0, 0x9f, 0x98, 0x80)).toBe("\u0085\t\u{1f600}");
  });

  it("turns a lone CR into a line break, as YAML does", () => {
    expect(decode(...ascii("a: 1\rb: 2\r\n"))).toBe("a: 1\nb: 2\r\n");
  });
});
