// What is generated from the values model (src/config): the annotated JSON Schema every other part reads,
// the files `npm run generate` writes, and the wording of a finding shared by the CLI, the preflight and
// the chart's template checks. Depends on src/config only.
export { annotatedValuesSchema } from "./annotated-values-schema.ts";
export { expectedText, nodeTypes, typeWords, wrongFormat } from "./describe-node.ts";
export { type GeneratedFile, generatedFiles, generatedPath } from "./generated-files.ts";
export { publishedValuesSchema } from "./render-values-schema.ts";
export type { SchemaNode } from "./schema-node.ts";
export { describeGot, type MessageParts, userInfoPattern, valueMessage } from "./value-message.ts";
