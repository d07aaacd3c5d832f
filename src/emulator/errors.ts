import { CodedError, codedErrorGuard } from "../errors/index.ts";

/** Stable codes of {@link EmulatorError}; scripts and tests match on these, never on messages. */
export type EmulatorErrorCode =
  /** The YAML config could not be read or parsed, or breaks the config model. */
  | "CONFIG_INVALID"
  /** A listener could not bind its loopback port. */
  | "LISTEN_FAILED"
  /** The env file could not be written, or its path is a symlink or not a regular file. */
  | "ENV_FILE_UNWRITABLE"
  /** A request body was larger than the emulator accepts (answered 413). */
  | "BODY_TOO_LARGE";

/** The one error the emulator's API throws; its message is one line and never holds a secret. */
export class EmulatorError extends CodedError<EmulatorErrorCode> {
  override readonly name = "EmulatorError";
}

export const isEmulatorError = codedErrorGuard<EmulatorError>("EmulatorError");
