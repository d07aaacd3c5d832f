/** One request the emulator served, without bodies or headers (they may hold tokens or key material). */
export interface RequestLogEntry {
  /** Emulator clock, ISO 8601. */
  readonly time: string;
  readonly host: string;
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Operation name (`encrypt`, `getKey`, `token`, …) or `unknown`. */
  readonly operation: string;
  readonly hsm?: string;
  /** Response status; 0 when a `reset` fault dropped the connection. */
  status: number;
  /**
   * Emulator clock, ISO 8601, when the answer was written; with `time` it shows which requests were
   * in flight together. Absent while pending and when none was written (reset, hung CONNECT).
   */
  answered?: string;
}

/** Counts per operation and status, for assertions like "the SDK retried twice". */
export type RequestCounts = Record<string, { total: number; byStatus: Record<string, number> }>;

/** Requests served since start (or the last clear), oldest first; keeps the last 10 000. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): RequestLogEntry {
    this.#entries.push(entry);
    if (this.#entries.length > 10_000) this.#entries.shift();
    return entry;
  }

  entries(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  counts(): RequestCounts {
    const counts: RequestCounts = {};
    for (const entry of this.#entries) {
      const forOperation = counts[entry.operation] ?? { total: 0, byStatus: {} };
      counts[entry.operation] = forOperation;
      forOperation.total++;
      forOperation.byStatus[entry.status] = (forOperation.byStatus[entry.status] ?? 0) + 1;
    }
    return counts;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
