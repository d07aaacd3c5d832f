import { setTimeout as sleep } from "node:timers/promises";
import { backoffMs, createDeadline, remainingMs, transientFailure } from "../hsm/index.ts";

const retriedStatuses = new Set([429, 500, 502, 503, 504]);

/** How long to wait before the next attempt, or undefined when the failure is not worth repeating. */
function retryDelayMs(error: unknown, attempt: number): number | undefined {
  const { code, headers } = (error ?? {}) as { code?: unknown; headers?: Record<string, string> };
  if (typeof code === "number") {
    if (!retriedStatuses.has(code)) return undefined;
    // The API server answers 429 with Retry-After while a new resource's storage initializes.
    const retryAfter = Number(headers?.["retry-after"]);
    return Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoffMs(attempt);
  }
  // A dropped connection: the same judgement as the HSM client's (one list of network codes).
  return transientFailure(error)?.kind === "connection" ? backoffMs(attempt) : undefined;
}

/**
 * Runs one API server call, repeating it on 429 (honouring Retry-After), 5xx and dropped connections until
 * `budgetMs` is spent; anything else (404, 409, 422, …) is thrown at once for the caller to judge. A write
 * that succeeded before its connection dropped comes back as 409 on the retry, which every caller already
 * treats as "re-read".
 */
export async function retryKubeCall<T>(call: () => Promise<T>, budgetMs = 30_000): Promise<T> {
  const deadline = createDeadline(budgetMs);
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const wait = retryDelayMs(error, attempt);
      if (wait === undefined || wait >= remainingMs(deadline)) throw error;
      await sleep(wait);
    }
  }
}
