import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/cli/exit-code.ts";
import { reportCrash } from "../../src/cli/report-crash.ts";

function capture() {
  const stderr = new PassThrough();
  let text = "";
  stderr.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stderr, text: () => text };
}

describe("reportCrash", () => {
  it("turns an unexpected error into one redacted line and exit 70, distinct from 'invalid'", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const io = capture();
    const code = reportCrash(new TypeError(`boom\nwhile sending Bearer ${jwt}`), io);
    expect(code).toBe(ExitCode.Internal);
    expect(code).not.toBe(ExitCode.Invalid);
    expect(io.text()).toBe(
      "spirl-keywrap: internal error, please report it: TypeError: boom while sending Bearer [redacted-token]\n",
    );
  });

  it("reports a thrown non-Error value", () => {
    const io = capture();
    expect(reportCrash("plain string", io)).toBe(70);
    expect(io.text()).toBe("spirl-keywrap: internal error, please report it: Error: plain string\n");
  });
});
