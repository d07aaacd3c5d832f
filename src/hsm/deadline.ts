/** An absolute point in time after which no more HSM work may start, with a signal that fires then. */
export interface Deadline {
  /** `performance.now()` value at which the deadline passes. */
  readonly at: number;
  /** Aborts when the deadline passes; hand it to every SDK call. */
  readonly signal: AbortSignal;
  /** The budget the deadline was created with, in milliseconds. */
  readonly budgetMs: number;
}

/**
 * A deadline `ms` milliseconds after `from`, a `performance.now()` value (default: now). A process that
 * promises to end within its budget passes `from: 0`, its own start, so that start-up counts too.
 */
export function createDeadline(ms: number, options: { readonly from?: number } = {}): Deadline {
  const at = (options.from ?? performance.now()) + ms;
  return {
    at,
    signal: AbortSignal.timeout(Math.max(0, Math.ceil(at - performance.now()))),
    budgetMs: ms,
  };
}

/** Milliseconds left before the deadline (0 once it has passed). */
export function remainingMs(deadline: Deadline): number {
  return Math.max(0, deadline.at - performance.now());
}

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as it aborts, whether or not `work`
 * listens to the signal: a token request inside the identity library does not, and would otherwise hold
 * the caller past its deadline. A later rejection of the abandoned `work` is swallowed.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
