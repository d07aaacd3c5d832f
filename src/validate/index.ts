// `spirl-keywrap validate`'s library: the final values judged with the values model, each finding pointing
// at the file position or flag that set the value. Depends on src/config, src/schema and src/values.
export { checkValues } from "./check-values.ts";
export { type Explanation, explainValue } from "./explain-value.ts";
export type { Finding, FindingCode, FindingSource } from "./finding.ts";
export { formatFindingsJson, formatFindingsText } from "./format-findings.ts";
export { type Locator, validateValues } from "./validate-values.ts";
