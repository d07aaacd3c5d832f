import { setTimeout as sleep } from "node:timers/promises";
import { type Deadline, raceSignal, remainingMs } from "./deadline.ts";
import { HsmClientError, isHsmClientError } from "./hsm-client-error.ts";
import { responseHeaderOf } from "./rest-error-fields.ts";
import { type TransientKind, transientFailure } from "./transient-failure.ts";

/** How {@link retryWithinDeadline} paces its attempts. */
export interface RetryPolicy {
  /** First backoff before jitter, in ms. Default 250. */
  readonly baseDelayMs?: number;
  /** Largest backoff before jitter, in ms. Default 8000. */
  readonly maxDelayMs?: number;
  /** Longest single attempt, in ms, so one hung connection cannot eat the whole deadline. Default 10000. */
  readonly attemptTimeoutMs?: number;
  /** Random source in [0, 1) for jitter. Default Math.random. */
  readonly random?: () => number;
  /** Waits `ms` between attempts, ending early when `signal` aborts. Default: a timer. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const timerSleep = (ms: number, signal: AbortSignal) =>
  sleep(ms, undefined, { signal }).catch(() => undefined);

/** Thrown inside an attempt's signal when the attempt (not the deadline) ran out of time. */
class AttemptTimeoutError extends Error {
  override readonly name = "AttemptTimeoutError";
}

/** Full-jitter exponential backoff: a random wait in [d/2, d] with d = min(max, base·2^n). */
export function backoffMs(attempt: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? 250;
  const max = policy.maxDelayMs ?? 8000;
  const ceiling = Math.min(max, base * 2 ** attempt);
  return ceiling / 2 + (policy.random ?? Math.random)() * (ceiling / 2);
}

/**
 * Runs `attempt` until it succeeds, a permanent error occurs (rethrown as is), or the deadline leaves
 * no room for the next wait (then `HSM_DEADLINE_EXCEEDED`). A 429's `Retry-After` is honoured exactly;
 * other transient failures wait with jittered exponential backoff.
 */
export async function retryWithinDeadline<T>(
  operation: string,
  deadline: Deadline,
  attempt: (signal: AbortSignal) => Promise<T>,
  options: { readonly policy?: RetryPolicy; readonly requestId?: () => string | undefined } = {},
): Promise<T> {
  const policy = options.policy ?? {};
  let lastFailure: TransientKind | undefined;
  let lastError: unknown;
  let throttledAttempts = 0;
  for (let attempts = 1; ; attempts++) {
    const exceeded = (cause: unknown, failure: TransientKind | undefined) => {
      const requestId = responseHeaderOf(cause, "x-ms-request-id") ?? options.requestId?.();
      return new HsmClientError(
        `${operation} did not succeed within ${Math.round(deadline.budgetMs)} ms (${attempts} attempt${attempts === 1 ? "" : "s"}${failure === undefined ? "" : `, last failure: ${failure}`})`,
        {
          code: "HSM_DEADLINE_EXCEEDED",
          operation,
          attempts,
          throttledAttempts,
          ...(failure !== undefined && { lastFailure: failure }),
          ...(requestId !== undefined && { requestId }),
          cause,
        },
      );
    };
    if (deadline.signal.aborted) throw exceeded(lastError, lastFailure);
    const attemptController = new AbortController();
    const attemptTimeoutMs = policy.attemptTimeoutMs ?? 10_000;
    // Only an attempt that would end before the deadline gets its own timer; otherwise the deadline
    // alone decides, so a call still running at the deadline is reported as the deadline, not a hang.
    const timer =
      attemptTimeoutMs < remainingMs(deadline)
        ? setTimeout(
            () => attemptController.abort(new AttemptTimeoutError("attempt timed out")),
            attemptTimeoutMs,
          )
        : undefined;
    const signal = AbortSignal.any([deadline.signal, attemptController.signal]);
    try {
      // Raced, not only signalled: the attempt may wait on something that ignores the signal (a token).
      return await raceSignal(
        Promise.resolve().then(() => attempt(signal)),
        signal,
      );
    } catch (error) {
      if (deadline.signal.aborted || remainingMs(deadline) === 0) throw exceeded(error, lastFailure);
      // Our own verdicts (a proxy failure, an invalid answer) are final, whatever their cause says.
      if (isHsmClientError(error)) throw error;
      const failure = attemptController.signal.aborted
        ? { kind: "connection" as const }
        : transientFailure(error);
      if (failure === undefined) throw error;
      lastFailure = failure.kind;
      if (failure.kind === "throttled") throttledAttempts++;
      lastError = error;
      const wait = failure.retryAfterMs ?? backoffMs(attempts - 1, policy);
      if (wait >= remainingMs(deadline)) throw exceeded(error, failure.kind);
      await (policy.sleep ?? timerSleep)(wait, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }
}
