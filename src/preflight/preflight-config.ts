import { isOutsideManagedHsm } from "../config/managed-hsm-url.ts";
import { spirlSystemValues } from "../config/values-model.ts";
import {
  annotatedValuesSchema,
  describeGot,
  expectedText,
  type SchemaNode,
  valueMessage,
} from "../schema/index.ts";
import { explainValue } from "../validate/index.ts";
import { configSources } from "./config-sources.ts";
import { PreflightError } from "./preflight-error.ts";

/** The key the preflight checks, as the chart's `azure.keyVault` values state it. */
export interface PreflightConfig {
  /** `https://<hsm-name>.managedhsm.azure.net/`, exactly as configured (it is logged verbatim). */
  readonly url: string;
  readonly keyName: string;
  /** The pinned version; undefined means the latest. */
  readonly keyVersion?: string;
}

/** Raw input from flags or the environment; any field may be missing. */
export interface PreflightConfigInput {
  readonly url?: string | undefined;
  readonly keyName?: string | undefined;
  readonly keyVersion?: string | undefined;
}

type Field = keyof typeof configSources;

function fieldNode(field: Field): SchemaNode {
  return annotatedValuesSchema().properties?.azure?.properties?.keyVault?.properties?.[field] ?? {};
}

/**
 * Re-validates the preflight input with the chart's values model (the same rules and messages as
 * `spirl-keywrap validate` and the chart's schema). Throws `CONFIG_INVALID` or `URL_NOT_MANAGED_HSM`.
 */
export function validatePreflightConfig(input: PreflightConfigInput): PreflightConfig {
  const keyVersion = input.keyVersion === "" ? undefined : input.keyVersion;
  const candidate = {
    url: input.url ?? "",
    keyName: input.keyName ?? "",
    ...(keyVersion !== undefined && { keyVersion }),
  };
  const result = spirlSystemValues.shape.azure.shape.keyVault.safeParse(candidate);
  if (result.success) return candidate;
  const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))] as Field[];
  const messages = fields.map((field) => {
    const node = fieldNode(field);
    const value = candidate[field as keyof typeof candidate];
    const explanation = explainValue(node, value);
    const source = configSources[field];
    const what = explanation?.what ?? "is invalid";
    return `${source.value} (${source.flag} or ${source.env}) ${valueMessage({ what, expected: expectedText(node), got: describeGot(value) })}`;
  });
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more: ${fields.slice(1).join(", ")})` : "";
  const message = `${messages[0]}${more}`;
  // A URL that parses but names another service is the most common mistake: it gets its own code.
  if (fields[0] === "url" && isOutsideManagedHsm(candidate.url))
    throw new PreflightError(message, { code: "URL_NOT_MANAGED_HSM" });
  throw new PreflightError(message, { code: "CONFIG_INVALID" });
}
