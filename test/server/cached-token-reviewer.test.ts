import { describe, expect, it } from "vitest";
import { cachedTokenReviewer, type TokenReviewer } from "../../src/server/index.ts";

/** An unsigned JWT-shaped token with this `exp` (the cache reads the claim only after a review accepted it). */
function tokenWithExp(exp: number, salt = ""): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ exp, sub: `system:serviceaccount:ns:sa${salt}` })}.c2ln`;
}

function countingReviewer(accept: boolean): TokenReviewer & { calls: number } {
  const reviewer = {
    calls: 0,
    async review() {
      reviewer.calls++;
      return accept
        ? { authenticated: true, username: "system:serviceaccount:ns:sa" }
        : { authenticated: false };
    },
  };
  return reviewer;
}

const signal = new AbortController().signal;

describe("cachedTokenReviewer", () => {
  it("reviews an accepted token once until it expires, then again", async () => {
    let nowMs = 1_000_000_000_000;
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { now: () => nowMs });
    const token = tokenWithExp(nowMs / 1000 + 60);
    for (let i = 0; i < 5; i++)
      expect(await reviewer.review(token, signal)).toEqual({
        authenticated: true,
        username: "system:serviceaccount:ns:sa",
      });
    expect(inner.calls).toBe(1);
    nowMs += 61_000;
    await reviewer.review(token, signal);
    expect(inner.calls).toBe(2);
  });

  it("caps the cache time at maxTtlSeconds", async () => {
    let nowMs = 1_000_000_000_000;
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { now: () => nowMs, maxTtlSeconds: 10 });
    const token = tokenWithExp(nowMs / 1000 + 3600);
    await reviewer.review(token, signal);
    nowMs += 11_000;
    await reviewer.review(token, signal);
    expect(inner.calls).toBe(2);
  });

  it("never caches a refusal", async () => {
    const inner = countingReviewer(false);
    const reviewer = cachedTokenReviewer(inner);
    const token = tokenWithExp(Date.now() / 1000 + 60);
    await reviewer.review(token, signal);
    await reviewer.review(token, signal);
    expect(inner.calls).toBe(2);
  });

  it("keeps at most maxEntries tokens, dropping the oldest", async () => {
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { maxEntries: 2 });
    const exp = Date.now() / 1000 + 60;
    const [a, b, c] = [tokenWithExp(exp, "a"), tokenWithExp(exp, "b"), tokenWithExp(exp, "c")];
    for (const token of [a, b, c]) await reviewer.review(token, signal);
    await reviewer.review(c, signal);
    await reviewer.review(b, signal);
    expect(inner.calls).toBe(3);
    await reviewer.review(a, signal);
    expect(inner.calls).toBe(4);
  });

  it("shares one review among concurrent requests with the same token", async () => {
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner);
    const token = tokenWithExp(Date.now() / 1000 + 60);
    await Promise.all(Array.from({ length: 10 }, () => reviewer.review(token, signal)));
    expect(inner.calls).toBe(1);
  });
});
