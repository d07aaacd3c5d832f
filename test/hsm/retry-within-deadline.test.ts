import { describe, expect, it } from "vitest";
import {
  backoffMs,
  createDeadline,
  HsmClientError,
  isHsmClientError,
  retryWithinDeadline,
} from "../../src/hsm/index.ts";
import { restError } from "../helpers/rest-error.ts";

/** A sleep that records each wait and returns at once, so the waits are asserted, not timed. */
function recordedSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("backoffMs", () => {
  it("is full jitter between half and all of min(max, base·2^n)", () => {
    expect(backoffMs(0, { random: () => 0 })).toBe(125);
    expect(backoffMs(0, { random: () => 0.999_999 })).toBeCloseTo(250, 0);
    expect(backoffMs(10, { random: () => 1 - Number.EPSILON })).toBeLessThanOrEqual(8000);
  });
});

describe("retryWithinDeadline", () => {
  it("waits exactly what Retry-After says, then succeeds", async () => {
    const { waits, sleep } = recordedSleep();
    let attempts = 0;
    const result = await retryWithinDeadline(
      "encrypt",
      createDeadline(5_000),
      async () => {
        attempts++;
        if (attempts < 3) throw restError(429, { "retry-after-ms": "100" });
        return "ok";
      },
      { policy: { sleep } },
    );
    expect({ result, attempts, waits }).toEqual({ result: "ok", attempts: 3, waits: [100, 100] });
  });

  it("fails at once on a permanent error, rethrowing it unchanged", async () => {
    const { waits, sleep } = recordedSleep();
    let attempts = 0;
    const permanent = restError(403);
    await expect(
      retryWithinDeadline(
        "getKey",
        createDeadline(5_000),
        async () => {
          attempts++;
          throw permanent;
        },
        { policy: { sleep } },
      ),
    ).rejects.toBe(permanent);
    expect({ attempts, waits }).toEqual({ attempts: 1, waits: [] });
  });

  it("does not retry the client's own verdicts, even when their cause is transient", async () => {
    let attempts = 0;
    const proxy = new HsmClientError("the proxy could not be reached (ECONNREFUSED)", {
      code: "HSM_PROXY_FAILED",
      operation: "getKey",
      attempts: 1,
      cause: restError(undefined, {}, "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"),
    });
    await expect(
      retryWithinDeadline("getKey", createDeadline(5_000), async () => {
        attempts++;
        throw proxy;
      }),
    ).rejects.toBe(proxy);
    expect(attempts).toBe(1);
  });

  it("gives up without sleeping when Retry-After is longer than what is left", async () => {
    const { waits, sleep } = recordedSleep();
    const error = await retryWithinDeadline(
      "getKey",
      createDeadline(1_000),
      async () => {
        throw restError(429, { "retry-after": "30", "x-ms-request-id": "req-1" });
      },
      { policy: { sleep } },
    ).catch((caught: unknown) => caught);
    expect(waits).toEqual([]);
    expect(isHsmClientError(error) && error.code).toBe("HSM_DEADLINE_EXCEEDED");
    expect(isHsmClientError(error) && error.lastFailure).toBe("throttled");
    expect(isHsmClientError(error) && error.requestId).toBe("req-1");
  });

  it("stops a hung attempt at the deadline and reports a timeout", async () => {
    const error = await retryWithinDeadline(
      "encrypt",
      createDeadline(300),
      (signal) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
    ).catch((caught: unknown) => caught);
    expect(isHsmClientError(error) && error.code).toBe("HSM_DEADLINE_EXCEEDED");
    expect(isHsmClientError(error) && error.lastFailure).toBeUndefined();
  });

  // A token request inside the identity library ignores the signal: the deadline must not wait for it.
  it("ends at the deadline even when the attempt ignores its signal and never settles", async () => {
    const error = await retryWithinDeadline("getKey", createDeadline(200), () => new Promise(() => {})).catch(
      (caught: unknown) => caught,
    );
    expect(isHsmClientError(error) && error.code).toBe("HSM_DEADLINE_EXCEEDED");
  });

  it("swallows the late rejection of an attempt abandoned at the deadline", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let rejectLate: (reason: Error) => void = () => {};
      const error = await retryWithinDeadline(
        "getKey",
        createDeadline(100),
        () =>
          new Promise((_, reject) => {
            rejectLate = reject;
          }),
      ).catch((caught: unknown) => caught);
      expect(isHsmClientError(error) && error.code).toBe("HSM_DEADLINE_EXCEEDED");
      rejectLate(new Error("the token request failed after all"));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("retries an attempt that exceeds the per-attempt timeout", async () => {
    let attempts = 0;
    const result = await retryWithinDeadline(
      "encrypt",
      createDeadline(5_000),
      (signal) => {
        attempts++;
        if (attempts > 1) return Promise.resolve("ok");
        return new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      },
      { policy: { attemptTimeoutMs: 100, baseDelayMs: 10 } },
    );
    expect({ result, attempts }).toEqual({ result: "ok", attempts: 2 });
  });
});

describe("createDeadline", () => {
  it("counts from a given start, so a process can include its own start-up", () => {
    const deadline = createDeadline(1_000, { from: performance.now() - 5_000 });
    expect(deadline.budgetMs).toBe(1_000);
    expect(deadline.at).toBeLessThan(performance.now());
  });
});
