// The package's main entry: the product, each area through its own public face (its index.ts). The emulator
// and its test PKI are not product: they have their own entries, `spirl-keywrap/emulator` and
// `spirl-keywrap/test-pki`. The server is reached through the CLI (`spirl-keywrap server`).
export type { CliIo } from "./cli/cli-io.ts";
export { runCli } from "./cli/run-cli.ts";
export type { ValueMeta, ValueProblem } from "./config/value-meta.ts";
export { type SpirlSystemValues, spirlSystemValues } from "./config/values-model.ts";
export * from "./envelope/index.ts";
export * from "./errors/index.ts";
export * from "./hsm/index.ts";
export * from "./keystore/index.ts";
export { packageVersion } from "./package-version.ts";
export * from "./preflight/index.ts";
export { type GeneratedFile, generatedFiles, publishedValuesSchema } from "./schema/index.ts";
export {
  checkValues,
  type Finding,
  type FindingCode,
  type FindingSource,
  formatFindingsJson,
  formatFindingsText,
  type Locator,
  validateValues,
} from "./validate/index.ts";
export {
  type AssembledValues,
  type AssembleValuesOptions,
  assembleValues,
  isValuesError,
  ValuesError,
  type ValuesErrorCode,
} from "./values/index.ts";
