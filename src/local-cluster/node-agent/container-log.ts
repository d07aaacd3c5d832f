import { EventEmitter } from "node:events";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";

/** One parsed log entry (the CRI log format: `<RFC3339Nano> <stream> <P|F> <text>`). */
export interface LogEntry {
  readonly time: string;
  readonly stream: "stdout" | "stderr";
  /** A partial line: the text continues in the next entry (no newline after it). */
  readonly partial: boolean;
  readonly text: string;
}

// RFC3339 with nanoseconds, as the CRI writes it; Date has milliseconds, so pad.
function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** Parses one stored line; `undefined` for a line that is not in the format (never written by us). */
export function parseLogLine(line: string): LogEntry | undefined {
  const match = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
  if (!match) return undefined;
  return {
    time: match[1] ?? "",
    stream: match[2] as "stdout" | "stderr",
    partial: match[3] === "P",
    text: match[4] ?? "",
  };
}

/**
 * Writes one container run's stdout and stderr into one file in the CRI log format, a line per entry, so
 * `kubectl logs` can be served with timestamps, tail and since. Entries are written synchronously: the
 * count of entries in the file is exact, which lets a follower join without losing or repeating a line.
 */
export class ContainerLogWriter extends EventEmitter<{ entry: [LogEntry, number]; close: [] }> {
  readonly file: string;
  #fd: number;
  #entries = 0;
  #open = 0;
  #closed = false;

  constructor(file: string) {
    super();
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
    this.#fd = openSync(file, "a", 0o640);
  }

  /** Entries written so far. */
  get entries(): number {
    return this.#entries;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Copies a stream into the file, line by line. The file closes once every attached stream ended. */
  attach(source: Readable, stream: "stdout" | "stderr"): void {
    this.#open++;
    let pending = "";
    source.setEncoding("utf8");
    source.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        this.#write({ stream, partial: false, text: pending.slice(0, newline) });
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    source.once("close", () => {
      if (pending !== "") this.#write({ stream, partial: true, text: pending });
      if (--this.#open === 0) this.close();
    });
  }

  /** Also used for the agent's own notes; a no-op after close. */
  #write(entry: Omit<LogEntry, "time">): void {
    if (this.#closed) return;
    const full: LogEntry = { time: rfc3339Nano(new Date()), ...entry };
    writeSync(this.#fd, `${full.time} ${full.stream} ${full.partial ? "P" : "F"} ${full.text}\n`);
    this.emit("entry", full, this.#entries++);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
    this.emit("close");
  }
}

/** `kubectl logs` options, as the kubelet's /containerLogs endpoint takes them. */
export interface LogQuery {
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly timestamps?: boolean;
  readonly limitBytes?: number;
  /** Only entries at or after this time (sinceSeconds is turned into a time by the caller). */
  readonly since?: Date;
}

/** The text of one entry as `kubectl logs` prints it. */
export function formatEntry(entry: LogEntry, timestamps: boolean): string {
  return `${timestamps ? `${entry.time} ` : ""}${entry.text}${entry.partial ? "" : "\n"}`;
}

/** The stored entries a query selects (everything but `follow`): since first, then the last `tailLines`. */
export function selectEntries(entries: readonly LogEntry[], query: LogQuery): LogEntry[] {
  const sinceMs = query.since?.getTime();
  let selected = sinceMs === undefined ? [...entries] : entries.filter((e) => Date.parse(e.time) >= sinceMs);
  if (query.tailLines !== undefined && query.tailLines >= 0) {
    selected = query.tailLines === 0 ? [] : selected.slice(-query.tailLines);
  }
  return selected;
}

/**
 * Streams a container's log to `write` per `query`; with `follow` and a live writer, keeps streaming until
 * the container's streams close or `signal` aborts. Stops after `limitBytes`.
 */
export async function streamContainerLog(options: {
  readonly file: string;
  readonly writer?: ContainerLogWriter;
  readonly query: LogQuery;
  readonly write: (text: string) => void;
  readonly signal: AbortSignal;
}): Promise<void> {
  const { query, writer } = options;
  let budget = query.limitBytes ?? Number.POSITIVE_INFINITY;
  const emit = (entry: LogEntry): boolean => {
    if (budget <= 0) return false;
    let text = formatEntry(entry, query.timestamps === true);
    const bytes = Buffer.byteLength(text);
    if (bytes > budget) text = Buffer.from(text).subarray(0, budget).toString("utf8");
    budget -= bytes;
    options.write(text);
    return budget > 0;
  };
  // Subscribe before reading the file, so no entry falls between the read and the subscription.
  const live: [LogEntry, number][] = [];
  const follow = query.follow === true && writer !== undefined && !writer.closed;
  const onEntry = (entry: LogEntry, index: number) => live.push([entry, index]);
  if (follow) writer.on("entry", onEntry);
  try {
    const text = await readFile(options.file, "utf8").catch(() => "");
    const stored = text.split("\n").flatMap((line) => {
      const entry = line === "" ? undefined : parseLogLine(line);
      return entry ? [entry] : [];
    });
    for (const entry of selectEntries(stored, query)) if (!emit(entry)) return;
    if (!follow) return;
    const since = query.since?.getTime() ?? 0;
    let seen = stored.length;
    await new Promise<void>((resolve) => {
      const flush = () => {
        for (const [entry, index] of live.splice(0)) {
          if (index < seen) continue;
          seen = index + 1;
          if (Date.parse(entry.time) >= since && !emit(entry)) return finish();
        }
      };
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        writer.off("entry", onLive);
        writer.off("close", finish);
        options.signal.removeEventListener("abort", finish);
        resolve();
      };
      const onLive = () => flush();
      flush();
      if (finished) return;
      if (writer.closed || options.signal.aborted || budget <= 0) return finish();
      writer.on("entry", onLive);
      writer.once("close", finish);
      options.signal.addEventListener("abort", finish, { once: true });
    });
  } finally {
    writer?.off("entry", onEntry);
  }
}
