import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { annotatedValuesSchema } from "./annotated-values-schema.ts";
import { keyVaultRulesPath, renderKeyVaultRules } from "./render-key-vault-rules.ts";
import { renderTemplateChecks } from "./render-template-checks.ts";
import { renderValuesSchema } from "./render-values-schema.ts";
import { injectValuesTable, renderValuesTable } from "./render-values-table.ts";
import { renderValuesYaml } from "./render-values-yaml.ts";

/** One file that `npm run generate` writes, relative to the repository root. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const chart = "charts/spirl-system";

/** Everything derived from the values model, rendered in memory (the README needs its current text). */
export async function generatedFiles(): Promise<GeneratedFile[]> {
  const root = annotatedValuesSchema();
  const schema = renderValuesSchema();
  const readme = await readFile(`${repoRoot}${chart}/README.md`, "utf8");
  return [
    { path: `${chart}/values.schema.json`, content: schema },
    { path: "schema/spirl-system.values.schema.json", content: schema },
    { path: `${chart}/values.yaml`, content: renderValuesYaml(root) },
    { path: `${chart}/templates/_check-values.tpl`, content: renderTemplateChecks(root) },
    { path: `${chart}/README.md`, content: injectValuesTable(readme, renderValuesTable(root)) },
    { path: keyVaultRulesPath, content: renderKeyVaultRules(root) },
  ];
}

/** Absolute path of a generated file. */
export function generatedPath(file: GeneratedFile): string {
  return `${repoRoot}${file.path}`;
}
