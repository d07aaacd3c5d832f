/** Stable codes of ValuesError, for scripts and tests. */
export type ValuesErrorCode = "E_VALUES_READ" | "E_VALUES_YAML" | "E_VALUES_SET";

/** Options of ValuesError. */
export interface ValuesErrorOptions {
  /** Why the values could not be read. */
  readonly code: ValuesErrorCode;
  /** The underlying error (fs, yaml); its text may be more detailed than the message. */
  readonly cause?: unknown;
}

const marker = Symbol.for("spirl-keywrap.ValuesError");

/** Values that could not be read at all (unreadable file, broken YAML, bad --set syntax): nothing was judged. */
export class ValuesError extends Error {
  override readonly name = "ValuesError";
  readonly code: ValuesErrorCode;
  readonly [marker] = true;

  /** `message` is one line naming the file or flag; it never contains a value. */
  constructor(message: string, options: ValuesErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** True for a ValuesError, also across realms and duplicated module copies (unlike instanceof). */
export function isValuesError(error: unknown): error is ValuesError {
  return typeof error === "object" && error !== null && marker in error;
}
