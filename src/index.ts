// The package's main entry: the product. Internal modules are imported from here only. The emulator and its
// test PKI are not product: they have their own entries, `spirl-keywrap/emulator` and `spirl-keywrap/test-pki`.
export type { CliIo } from "./cli/cli-io.ts";
export { runCli } from "./cli/run-cli.ts";
export type { ValueMeta, ValueProblem } from "./config/value-meta.ts";
export { type SpirlSystemValues, spirlSystemValues } from "./config/values-model.ts";
export * from "./hsm/index.ts";
export { packageVersion } from "./package-version.ts";
export * from "./preflight/index.ts";
export { type GeneratedFile, generatedFiles } from "./schema/generated-files.ts";
export { publishedValuesSchema, renderValuesSchema } from "./schema/render-values-schema.ts";
export { checkValues } from "./validate/check-values.ts";
export type { Finding, FindingCode, FindingSource } from "./validate/finding.ts";
export { formatFindingsJson, formatFindingsText } from "./validate/format-findings.ts";
export { type Locator, validateValues } from "./validate/validate-values.ts";
export {
  type AssembledValues,
  type AssembleValuesOptions,
  assembleValues,
} from "./values/assemble-values.ts";
export { isValuesError, ValuesError, type ValuesErrorCode } from "./values/values-error.ts";
