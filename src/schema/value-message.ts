import { quoteLikeGo } from "../errors/index.ts";

/** The parts of every message, so the CLI and the chart's template checks word them the same way. */
export interface MessageParts {
  /** What is wrong, following the path: "is required", "must be a string", … */
  readonly what: string;
  /** What a correct value looks like. */
  readonly expected: string;
  /** What was found, as rendered by `describeGot`. */
  readonly got: string;
  /** A fix only the CLI can know (did you mean, quoting), appended last. */
  readonly hint?: string;
}

/** `<what>; expected <expected>; got <got>[; <hint>]`. */
export function valueMessage(parts: MessageParts): string {
  const base = `${parts.what}; expected ${parts.expected}; got ${parts.got}`;
  return parts.hint === undefined ? base : `${base}; ${parts.hint}`;
}

/**
 * User info in a URL may hold a password: never print it. Greedy up to the last `@` of the authority, since a
 * password may itself contain `@`. RE2- and JS-compatible: the chart's template checks use it too.
 */
export const userInfoPattern = "://[^/?#\\s]*@";

/** How a found value is shown: strings quoted as Go does (user info masked), scalars as-is, containers by kind. */
export function describeGot(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string")
    return quoteLikeGo(value.replace(new RegExp(userInfoPattern, "g"), "://***@"));
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}
