/** Exit codes shared by every command, so scripts can tell "bad input" from "could not run". */
export const ExitCode = {
  /** Everything asked for succeeded. */
  Ok: 0,
  /** The input was read and judged invalid (findings were printed). */
  Invalid: 1,
  /** Wrong flags, unknown command or an unreadable file: nothing was judged. */
  Usage: 2,
  /** A bug: an error no command expected (EX_SOFTWARE), never confused with "invalid". */
  Internal: 70,
} as const;
