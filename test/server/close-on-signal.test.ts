import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { call } from "./fixtures.ts";

describe("closeOnSignal", () => {
  it("on SIGTERM stops accepting, finishes the request in flight, drops the keys and exits 0", async () => {
    const child = spawn(
      process.execPath,
      [new URL("./fixtures/serve-until-signal.ts", import.meta.url).pathname],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines: string[] = [];
    const waiters: [RegExp, (line: string) => void][] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      for (const [pattern, resolve] of waiters) if (pattern.test(line)) resolve(line);
    });
    // Generous: the child loads the Azure SDKs and the Kubernetes client, slow on two busy cores.
    const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find((line) => pattern.test(line));
        if (seen !== undefined) return resolve(seen);
        waiters.push([pattern, resolve]);
        setTimeout(
          () => reject(new Error(`no line ${pattern} in ${timeoutMs} ms; got ${lines.join(" | ")}`)),
          timeoutMs,
        ).unref();
      });
    try {
      const url = (await waitFor(/^url /)).slice(4);
      const inFlight = call(url, "POST", "/svid/jwt", { token: "t", body: { audience: ["a"] } });
      await waitFor(/^in-flight$/);
      child.kill("SIGTERM");
      await waitFor(/^shutting down/);
      await expect(call(url, "GET", "/healthz")).rejects.toThrow(/ECONNREFUSED/);
      child.stdin.write("go\n");
      expect((await inFlight).status).toBe(200);
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
      expect(lines).toContain("closed on SIGTERM; keys left 0");
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
