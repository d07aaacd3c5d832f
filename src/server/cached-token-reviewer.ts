import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import { HttpError } from "./http-error.ts";
import type { TokenReviewer, TokenReviewResult } from "./token-reviewer.ts";

/** Options of {@link cachedTokenReviewer}. */
export interface TokenReviewCacheOptions {
  /** The audience a token must name to be worth a review (the TokenReview still checks it). */
  readonly audience: string;
  /** At most this many accepted tokens are remembered; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
  /** An accepted token is trusted again without a review for its lifetime, but at most this long (s). Default 600. */
  readonly maxTtlSeconds?: number;
  /** At most this many reviews run at once; beyond, a caller gets 503 `TOKEN_REVIEW_BUSY`. Default 64. */
  readonly maxInFlight?: number;
  /** Deadline of one review, shared by every caller waiting on it (ms). Default 10,000. */
  readonly reviewTimeoutMs?: number;
  /** The clock, in ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly username: string;
  readonly expiresAtMs: number;
}

/** Longest bearer token reviewed; a projected service-account token is about 1 KiB. */
const maxTokenLength = 8 * 1024;

const refused: TokenReviewResult = { authenticated: false };

/**
 * Remembers accepted tokens until they expire (bounded in count and time), so steady traffic costs no
 * API-server round trip; concurrent requests with one token share one review. Only a SHA-256 of each
 * token is kept. Before a review, a token that cannot be a live token for the audience (not a JWS, over
 * 8 KiB, expired, other audience) is refused locally, and at most `maxInFlight` reviews run at once, so junk
 * bearer tokens cannot turn into API-server load. These checks read claims without the signature: only
 * the API server's review accepts a token.
 */
export function cachedTokenReviewer(
  reviewer: TokenReviewer,
  options: TokenReviewCacheOptions,
): TokenReviewer {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxTtlMs = (options.maxTtlSeconds ?? 600) * 1000;
  const maxInFlight = options.maxInFlight ?? 64;
  const reviewTimeoutMs = options.reviewTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const accepted = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<TokenReviewResult>>();

  /** The token's `exp` in ms when it may be a live token for the audience, else undefined. */
  const plausibleUntil = (token: string): number | undefined => {
    if (token.length > maxTokenLength) return undefined;
    try {
      const { exp, aud } = decodeJwt(token);
      const audiences = typeof aud === "string" ? [aud] : (aud ?? []);
      if (typeof exp !== "number" || exp * 1000 <= now() || !audiences.includes(options.audience))
        return undefined;
      return exp * 1000;
    } catch {
      return undefined; // not a three-part JWS with a JSON payload
    }
  };

  const remember = (key: string, expMs: number, username: string) => {
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
      let review = inFlight.get(key);
      if (review === undefined) {
        const expMs = plausibleUntil(token);
        if (expMs === undefined) return Promise.resolve(refused);
        if (inFlight.size >= maxInFlight)
          return Promise.reject(
            new HttpError("TokenReview: too many reviews in flight, try again", {
              code: "TOKEN_REVIEW_BUSY",
            }),
          );
        // Its own deadline, not the first caller's: a caller that gives up does not fail the others.
        review = reviewer
          .review(token, AbortSignal.timeout(reviewTimeoutMs))
          .then((result) => {
            if (result.authenticated && result.username !== undefined) remember(key, expMs, result.username);
            return result;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, review);
      }
      return raced(review, signal);
    },
  };
}

/** The promise, or a rejection once this caller's `signal` aborts (the shared review goes on). */
function raced<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
