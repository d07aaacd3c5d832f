import { printableJson, quoteLikeGo } from "../errors/index.ts";
import { redactSecrets } from "../preflight/index.ts";

/** How log lines are written: `text` for people, `json` (one object per line) for log pipelines. */
export type ServerLogFormat = "text" | "json";

/** One thing that happened; each becomes exactly one line. */
export interface ServerLogEvent {
  readonly level: "info" | "error";
  /** A fixed sentence: never built from input. */
  readonly msg: string;
  /** Details; a value with anything but word characters is quoted and escaped (Go's %q), and redacted. */
  readonly fields?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Where the server's events go. */
export type ServerLog = (event: ServerLogEvent) => void;

const bare = /^[\w.:/@+=-]+$/;

/** The event as one line, redacted like the preflight's output. */
export function formatServerLogEvent(
  event: ServerLogEvent,
  format: ServerLogFormat,
  time = new Date(),
): string {
  const fields = Object.entries(event.fields ?? {}).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
  );
  if (format === "json")
    return redactSecrets(
      printableJson(
        JSON.stringify({
          time: time.toISOString(),
          level: event.level,
          msg: event.msg,
          ...Object.fromEntries(fields),
        }),
      ),
    );
  const pairs = fields.map(([key, value]) => {
    const text = String(value);
    return `${key}=${bare.test(text) ? text : quoteLikeGo(text)}`;
  });
  return redactSecrets([event.level === "error" ? `error: ${event.msg}` : event.msg, ...pairs].join(" "));
}

/** A {@link ServerLog} that writes each event as one line: errors to `stderr`, the rest to `stdout`. */
export function createServerLog(options: {
  readonly format: ServerLogFormat;
  readonly stdout: { write(line: string): unknown };
  readonly stderr: { write(line: string): unknown };
}): ServerLog {
  return (event) =>
    (event.level === "error" ? options.stderr : options.stdout).write(
      `${formatServerLogEvent(event, options.format)}\n`,
    );
}
