import { describe, expect, it } from "vitest";
import { cachedTokenReviewer, isHttpError, type TokenReviewer } from "../../src/server/index.ts";

const audience = "spirl";

/** An unsigned JWT-shaped token with this `exp` and audience: the cache reads claims, only a review trusts them. */
function tokenWithExp(exp: number, salt = "", aud: unknown = [audience]): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ exp, aud, sub: `system:serviceaccount:ns:sa${salt}` })}.c2ln`;
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
  it("reviews an accepted token once until it expires, then refuses it without a review", async () => {
    let nowMs = 1_000_000_000_000;
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { audience, now: () => nowMs });
    const token = tokenWithExp(nowMs / 1000 + 60);
    for (let i = 0; i < 5; i++)
      expect(await reviewer.review(token, signal)).toEqual({
        authenticated: true,
        username: "system:serviceaccount:ns:sa",
      });
    expect(inner.calls).toBe(1);
    nowMs += 61_000;
    // Expired now: refused on its claim alone, not cached nor reviewed.
    expect(await reviewer.review(token, signal)).toEqual({ authenticated: false });
    expect(inner.calls).toBe(1);
  });

  it("caps the cache time at maxTtlSeconds", async () => {
    let nowMs = 1_000_000_000_000;
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { audience, now: () => nowMs, maxTtlSeconds: 10 });
    const token = tokenWithExp(nowMs / 1000 + 3600);
    await reviewer.review(token, signal);
    nowMs += 11_000;
    await reviewer.review(token, signal);
    expect(inner.calls).toBe(2);
  });

  it("never caches a refusal", async () => {
    const inner = countingReviewer(false);
    const reviewer = cachedTokenReviewer(inner, { audience });
    const token = tokenWithExp(Date.now() / 1000 + 60);
    await reviewer.review(token, signal);
    await reviewer.review(token, signal);
    expect(inner.calls).toBe(2);
  });

  it("keeps at most maxEntries tokens, dropping the oldest", async () => {
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { audience, maxEntries: 2 });
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
    const reviewer = cachedTokenReviewer(inner, { audience });
    const token = tokenWithExp(Date.now() / 1000 + 60);
    await Promise.all(Array.from({ length: 10 }, () => reviewer.review(token, signal)));
    expect(inner.calls).toBe(1);
  });

  it("refuses, without a review, what cannot be a live token for the audience", async () => {
    const inner = countingReviewer(true);
    const reviewer = cachedTokenReviewer(inner, { audience });
    const live = Date.now() / 1000 + 60;
    const junk = [
      "not-a-jwt",
      "a.b.c",
      tokenWithExp(Date.now() / 1000 - 1),
      tokenWithExp(live, "", ["other"]),
      tokenWithExp(live, "", null),
      tokenWithExp(live, "x".repeat(9 * 1024)),
    ];
    for (const token of junk) expect(await reviewer.review(token, signal)).toEqual({ authenticated: false });
    expect(inner.calls).toBe(0);
    expect(await reviewer.review(tokenWithExp(live, "", audience), signal)).toMatchObject({
      authenticated: true,
    });
    expect(inner.calls).toBe(1);
  });

  it("runs at most maxInFlight reviews at once; beyond, 503 TOKEN_REVIEW_BUSY without a review", async () => {
    const gate = Promise.withResolvers<void>();
    let calls = 0;
    const slow: TokenReviewer = {
      async review() {
        calls++;
        await gate.promise;
        return { authenticated: true, username: "system:serviceaccount:ns:sa" };
      },
    };
    const reviewer = cachedTokenReviewer(slow, { audience, maxInFlight: 2 });
    const exp = Date.now() / 1000 + 60;
    const pending = [
      reviewer.review(tokenWithExp(exp, "a"), signal),
      reviewer.review(tokenWithExp(exp, "b"), signal),
    ];
    const error = await reviewer.review(tokenWithExp(exp, "c"), signal).catch((caught: unknown) => caught);
    expect(isHttpError(error) && [error.code, error.status]).toEqual(["TOKEN_REVIEW_BUSY", 503]);
    expect(calls).toBe(2);
    gate.resolve();
    await Promise.all(pending);
    await reviewer.review(tokenWithExp(exp, "c"), signal);
    expect(calls).toBe(3);
  });

  it("a caller whose deadline passes does not fail the others sharing its review", async () => {
    const gate = Promise.withResolvers<void>();
    const seen: AbortSignal[] = [];
    const slow: TokenReviewer = {
      async review(_token, reviewSignal) {
        seen.push(reviewSignal);
        await gate.promise;
        return { authenticated: true, username: "system:serviceaccount:ns:sa" };
      },
    };
    const reviewer = cachedTokenReviewer(slow, { audience });
    const token = tokenWithExp(Date.now() / 1000 + 60);
    const first = new AbortController();
    const impatient = reviewer.review(token, first.signal).catch((caught: unknown) => caught);
    const patient = reviewer.review(token, signal);
    first.abort(new Error("first caller's deadline"));
    expect(String(await impatient)).toContain("first caller's deadline");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(false);
    gate.resolve();
    expect(await patient).toEqual({ authenticated: true, username: "system:serviceaccount:ns:sa" });
  });
});
