import { describe, expect, it } from "vitest";
import { formatServerLogEvent } from "../../src/server/index.ts";

const time = new Date("2026-01-01T00:00:00Z");
const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

describe("formatServerLogEvent", () => {
  it("writes text as the message then key=value pairs, quoting values with spaces or quotes", () => {
    const line = formatServerLogEvent(
      {
        level: "info",
        msg: "request",
        fields: { operation: "jwt_svid", status: 200, note: 'a "b" c', code: undefined },
      },
      "text",
      time,
    );
    expect(line).toBe('request operation=jwt_svid status=200 note="a \\"b\\" c"');
  });

  it("escapes what could move the cursor or reorder the text", () => {
    const line = formatServerLogEvent(
      { level: "info", msg: "request", fields: { note: "a\u001b[2Jb\u202ec\nd" } },
      "text",
    );
    expect(line).toBe('request note="a\\x1b[2Jb\\u202ec\\nd"');
    const json = formatServerLogEvent(
      { level: "info", msg: "request", fields: { note: "\u202e" } },
      "json",
      time,
    );
    expect(json).toContain('"note":"\\u202e"');
  });

  it("writes one JSON object per line", () => {
    const line = formatServerLogEvent({ level: "error", msg: "failed", fields: { ms: 1.5 } }, "json", time);
    expect(JSON.parse(line)).toEqual({ time: time.toISOString(), level: "error", msg: "failed", ms: 1.5 });
  });

  it.each(["text", "json"] as const)("redacts tokens in %s, like the preflight", (format) => {
    const line = formatServerLogEvent(
      { level: "error", msg: "failed", fields: { error: `rejected Bearer ${jwt} for ${jwt}` } },
      format,
      time,
    );
    expect(line).not.toContain("c2lnbmF0dXJl");
    expect(line).toContain("[redacted-token]");
    expect(line.split("\n")).toHaveLength(1);
  });
});
