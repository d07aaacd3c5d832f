const marker = Symbol.for("spirl-keywrap.CodedError");

/** Options every {@link CodedError} takes; subclasses add their own fields beside these. */
export interface CodedErrorOptions<Code extends string> {
  /** Stable string code: scripts, tests and exit-code maps match on it, never on the message. */
  readonly code: Code;
  /** The underlying error; its text may be more detailed (and less safe to print) than the message. */
  readonly cause?: unknown;
}

/**
 * The project's one error shape: a one-line `message` that names where, what was expected and what was
 * got (never a secret), a stable `code`, and the `cause`. Each area names its own subclass and code set.
 */
export abstract class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly [marker] = true;

  constructor(message: string, options: CodedErrorOptions<Code>) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** True for any {@link CodedError}, also across realms and duplicated module copies (unlike instanceof). */
export function isCodedError(value: unknown): value is CodedError {
  return typeof value === "object" && value !== null && marker in value;
}

/** A guard for one subclass, by its `name`, with the same cross-realm tolerance as {@link isCodedError}. */
export function codedErrorGuard<E extends CodedError>(name: string): (value: unknown) => value is E {
  return (value: unknown): value is E => isCodedError(value) && value.name === name;
}
