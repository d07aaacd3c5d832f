import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import type { TokenReviewer, TokenReviewResult } from "./token-reviewer.ts";

/** Options of {@link cachedTokenReviewer}. */
export interface TokenReviewCacheOptions {
  /** At most this many accepted tokens are remembered; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
  /** An accepted token is trusted again without a review for its lifetime, but at most this long (s). Default 600. */
  readonly maxTtlSeconds?: number;
  /** The clock, in ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly username: string;
  readonly expiresAtMs: number;
}

/**
 * Remembers accepted tokens until they expire (bounded in count and time), so steady traffic costs no
 * API-server round trip; concurrent requests with one token share one review. Only a SHA-256 of each
 * token is kept. Refusals are not cached: a token minted a moment later is not refused for long.
 */
export function cachedTokenReviewer(
  reviewer: TokenReviewer,
  options: TokenReviewCacheOptions = {},
): TokenReviewer {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxTtlMs = (options.maxTtlSeconds ?? 600) * 1000;
  const now = options.now ?? Date.now;
  const accepted = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<TokenReviewResult>>();

  const remember = (key: string, token: string, username: string) => {
    let expMs = Number.POSITIVE_INFINITY;
    try {
      // Read only after the API server accepted the token: the claim bounds the cache, it proves nothing.
      const { exp } = decodeJwt(token);
      if (typeof exp === "number") expMs = exp * 1000;
    } catch {
      return; // not a JWT we can read: review it every time
    }
    const expiresAtMs = Math.min(expMs, now() + maxTtlMs);
    if (expiresAtMs <= now()) return;
    accepted.delete(key);
    while (accepted.size >= maxEntries) {
      const oldest = accepted.keys().next();
      if (oldest.done === true) break;
      accepted.delete(oldest.value);
    }
    accepted.set(key, { username, expiresAtMs });
  };

  return {
    review(token, signal) {
      const key = createHash("sha256").update(token).digest("base64url");
      const hit = accepted.get(key);
      if (hit !== undefined) {
        if (hit.expiresAtMs > now()) return Promise.resolve({ authenticated: true, username: hit.username });
        accepted.delete(key);
      }
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const review = reviewer
        .review(token, signal)
        .then((result) => {
          if (result.authenticated && result.username !== undefined) remember(key, token, result.username);
          return result;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, review);
      return review;
    },
  };
}
