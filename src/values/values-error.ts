import { CodedError, type CodedErrorOptions, codedErrorGuard } from "../errors/index.ts";

/** Stable codes of ValuesError, for scripts and tests. */
export type ValuesErrorCode = "E_VALUES_READ" | "E_VALUES_YAML" | "E_VALUES_SET";

/** Options of ValuesError: why the values could not be read, and the underlying error (fs, yaml). */
export type ValuesErrorOptions = CodedErrorOptions<ValuesErrorCode>;

/** Values that could not be read at all (unreadable file, broken YAML, bad --set syntax): nothing was judged. */
export class ValuesError extends CodedError<ValuesErrorCode> {
  override readonly name = "ValuesError";
}

/** True for a ValuesError, also across realms and duplicated module copies (unlike instanceof). */
export const isValuesError = codedErrorGuard<ValuesError>("ValuesError");
