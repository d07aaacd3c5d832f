import { describe, expect, it } from "vitest";
import { backoffMs, createDeadline, isHsmClientError, retryWithinDeadline } from "../../src/hsm/index.ts";
import { restError } from "../helpers/rest-error.ts";

describe("backoffMs", () => {
  it("is full jitter between half and all of min(max, base·2^n)", () => {
    expect(backoffMs(0, { random: () => 0 })).toBe(125);
    expect(backoffMs(0, { random: () => 0.999_999 })).toBeCloseTo(250, 0);
    expect(backoffMs(10, { random: () => 1 - Number.EPSILON })).toBeLessThanOrEqual(8000);
  });
});

describe("retryWithinDeadline", () => {
  it("honours Retry-After, then succeeds", async () => {
    const started = performance.now();
    let attempts = 0;
    const result = await retryWithinDeadline("encrypt", createDeadline(5_000), async () => {
      attempts++;
      if (attempts < 3) throw restError(429, { "retry-after-ms": "100" });
      return "ok";
    });
    expect(result).toBe("ok");
    expect(attempts).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("fails at once on a permanent error, rethrowing it unchanged", async () => {
    let attempts = 0;
    const permanent = restError(403);
    await expect(
      retryWithinDeadline("getKey", createDeadline(5_000), async () => {
        attempts++;
        throw permanent;
      }),
    ).rejects.toBe(permanent);
    expect(attempts).toBe(1);
  });

  it("gives up before sleeping past the deadline when Retry-After is longer than what is left", async () => {
    const started = performance.now();
    const error = await retryWithinDeadline("getKey", createDeadline(1_000), async () => {
      throw restError(429, { "retry-after": "30", "x-ms-request-id": "req-1" });
    }).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(500);
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
