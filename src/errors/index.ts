// The one error shape shared by every area: the public face of src/errors.
export { CodedError, type CodedErrorOptions, codedErrorGuard, isCodedError } from "./coded-error.ts";
export { type PrintableOptions, printable, printableJson, quoteLikeGo } from "./printable.ts";
