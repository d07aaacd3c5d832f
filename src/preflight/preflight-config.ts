import { isOutsideManagedHsm } from "../config/managed-hsm-url.ts";
import { expectedText } from "../schema/describe-node.ts";
import { describeGot, valueMessage } from "../schema/value-message.ts";
import { explainValue } from "../validate/explain-value.ts";
import { configSources } from "./config-sources.ts";
import { keyVaultRules } from "./key-vault-rules.generated.ts";
import { PreflightError } from "./preflight-error.ts";

// Direct module imports, not the areas' index files: those reach the zod model, which the preflight's
// bundle leaves out. The rules come from the model all the same, through the generated keyVaultRules.

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

const fields = Object.keys(configSources) as Field[];

/**
 * Re-validates the preflight input with the chart's values model (the same rules and messages as
 * `spirl-keywrap validate` and the chart's schema, through the rules generated from it). Throws
 * `CONFIG_INVALID` or `URL_NOT_MANAGED_HSM`.
 */
export function validatePreflightConfig(input: PreflightConfigInput): PreflightConfig {
  const keyVersion = input.keyVersion === "" ? undefined : input.keyVersion;
  const candidate = {
    url: input.url ?? "",
    keyName: input.keyName ?? "",
    ...(keyVersion !== undefined && { keyVersion }),
  };
  const failures = fields.flatMap((field) => {
    const value = candidate[field as keyof typeof candidate];
    if (value === undefined && !keyVaultRules.required.includes(field)) return [];
    const node = keyVaultRules.properties[field];
    const explanation = explainValue(node, value);
    return explanation === undefined ? [] : [{ field, node, value, what: explanation.what }];
  });
  const [first] = failures;
  if (first === undefined) return candidate;
  const messages = failures.map(({ field, node, value, what }) => {
    const source = configSources[field];
    return `${source.value} (${source.flag} or ${source.env}) ${valueMessage({ what, expected: expectedText(node), got: describeGot(value) })}`;
  });
  const more =
    failures.length > 1
      ? ` (and ${failures.length - 1} more: ${failures
          .slice(1)
          .map(({ field }) => field)
          .join(", ")})`
      : "";
  const message = `${messages[0]}${more}`;
  // A URL that parses but names another service is the most common mistake: it gets its own code.
  if (first.field === "url" && isOutsideManagedHsm(candidate.url))
    throw new PreflightError(message, { code: "URL_NOT_MANAGED_HSM" });
  throw new PreflightError(message, { code: "CONFIG_INVALID" });
}
