// Values assembled exactly as Helm assembles them (`-f` files, `--set`, `--set-string`, chart defaults), with
// the parsed documents kept so findings can point at a file position. Depends on nothing else in src/.
export {
  type AssembledValues,
  type AssembleValuesOptions,
  assembleValues,
  type ValuesLayer,
} from "./assemble-values.ts";
export { coalesceValues } from "./coalesce-values.ts";
export { type ParseSetOptions, parseSetArgument } from "./parse-set-argument.ts";
export { type ParsedValuesFile, type PositionedDocument, parseValuesYaml } from "./parse-values-yaml.ts";
export { isValuesError, ValuesError, type ValuesErrorCode } from "./values-error.ts";
