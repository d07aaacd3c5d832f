/** An absolute point in time after which no more HSM work may start, with a signal that fires then. */
export interface Deadline {
  /** `performance.now()` value at which the deadline passes. */
  readonly at: number;
  /** Aborts when the deadline passes; hand it to every SDK call. */
  readonly signal: AbortSignal;
  /** The budget the deadline was created with, in milliseconds. */
  readonly budgetMs: number;
}

/** A deadline `ms` milliseconds from now. */
export function createDeadline(ms: number): Deadline {
  return {
    at: performance.now() + ms,
    signal: AbortSignal.timeout(Math.max(0, Math.ceil(ms))),
    budgetMs: ms,
  };
}

/** Milliseconds left before the deadline (0 once it has passed). */
export function remainingMs(deadline: Deadline): number {
  return Math.max(0, deadline.at - performance.now());
}
