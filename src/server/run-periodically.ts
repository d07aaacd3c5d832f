/** Counts of a periodic task, for `/metrics`. */
export interface PeriodicTaskStats {
  /** Runs that failed or ran out of their deadline since start. */
  readonly failures: number;
  /** Failures since the last run that succeeded (0: healthy). */
  readonly consecutiveFailures: number;
}

/** Options of {@link runPeriodically}. */
export interface RunPeriodicallyOptions {
  /** One run; it should stop early when `signal` aborts (its deadline or the stop). */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** Wait between runs that succeed, in ms. */
  readonly intervalMs: number;
  /** Longest wait after failures (the wait doubles from `intervalMs` with each failure), in ms. */
  readonly maxBackoffMs: number;
  /** Deadline of one run, in ms: past it the run counts as failed. */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  readonly onFailure: (error: unknown, stats: PeriodicTaskStats) => void;
}

/**
 * Runs `run` now and then every `intervalMs` until `signal` aborts; after a failure it waits twice as long
 * each time (at most `maxBackoffMs`). Every wait is bounded: the pause by its timer, each run by its
 * deadline. A run that outlives its deadline is not started again until it settles, so runs never overlap.
 */
export function runPeriodically(options: RunPeriodicallyOptions): { stats(): PeriodicTaskStats } {
  let failures = 0;
  let consecutiveFailures = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    if (options.signal.aborted) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const fail = (error: unknown) => {
    failures++;
    consecutiveFailures++;
    options.onFailure(error, { failures, consecutiveFailures });
  };
  const tick = async () => {
    if (running !== undefined) {
      fail(new Error("the previous run has not ended yet"));
      schedule(options.maxBackoffMs);
      return;
    }
    const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.deadlineMs)]);
    const run = options.run(deadline);
    running = run.then(
      () => {},
      () => {},
    );
    void running.then(() => {
      running = undefined;
    });
    const expired = new Promise<never>((_, reject) =>
      deadline.addEventListener("abort", () => reject(deadline.reason), { once: true }),
    );
    try {
      await Promise.race([run, expired]);
      consecutiveFailures = 0;
      schedule(options.intervalMs);
    } catch (error) {
      if (options.signal.aborted) return;
      fail(error);
      schedule(Math.min(options.maxBackoffMs, options.intervalMs * 2 ** consecutiveFailures));
    }
  };
  options.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  schedule(0);
  return { stats: () => ({ failures, consecutiveFailures }) };
}
