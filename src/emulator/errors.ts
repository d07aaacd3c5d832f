/** Stable codes of {@link EmulatorError}; scripts and tests match on these, never on messages. */
export type EmulatorErrorCode =
  /** The YAML config could not be read or parsed, or breaks the config model. */
  | "CONFIG_INVALID"
  /** A listener could not bind its loopback port. */
  | "LISTEN_FAILED";

/** The one error the emulator's API throws; its message is one line and never holds a secret. */
export class EmulatorError extends Error {
  override readonly name = "EmulatorError";
  readonly code: EmulatorErrorCode;

  constructor(code: EmulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isEmulatorError(value: unknown): value is EmulatorError {
  return value instanceof EmulatorError;
}
