import { describe, expect, it } from "vitest";
import { retryKubeCall } from "../../src/keystore/retry-kube-call.ts";

/** An error shaped like client-node's ApiException. */
const apiException = (code: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, headers });

function failing(errors: unknown[]) {
  let calls = 0;
  return {
    call: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return "ok";
    },
    calls: () => calls,
  };
}

describe("retryKubeCall", () => {
  it("repeats 429 (Retry-After: 0), 503 and a reset connection, then returns", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const run = failing([apiException(429, { "retry-after": "0" }), apiException(503), reset]);
    expect(await retryKubeCall(run.call, 10_000)).toBe("ok");
    expect(run.calls()).toBe(4);
  });

  it.each(["ECONNABORTED", "EAI_AGAIN", "ESOCKETTIMEDOUT"])(
    "repeats a dropped connection the HSM client repeats too (%s, also inside a cause)",
    async (code) => {
      const dropped = Object.assign(new Error("request failed"), { code });
      const run = failing([dropped, new Error("fetch failed", { cause: dropped })]);
      expect(await retryKubeCall(run.call, 10_000)).toBe("ok");
      expect(run.calls()).toBe(3);
    },
  );

  it("does not repeat an unresolvable host (a misspelled server never resolves)", async () => {
    const run = failing([Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })]);
    await expect(retryKubeCall(run.call)).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(run.calls()).toBe(1);
  });

  it.each([404, 409, 422, 403])("throws %i at once", async (code) => {
    const run = failing([apiException(code)]);
    await expect(retryKubeCall(run.call)).rejects.toMatchObject({ code });
    expect(run.calls()).toBe(1);
  });

  it("gives up when the next wait would pass the budget", async () => {
    const run = failing([apiException(429, { "retry-after": "5" })]);
    await expect(retryKubeCall(run.call, 1_000)).rejects.toMatchObject({ code: 429 });
    expect(run.calls()).toBe(1);
  });
});
