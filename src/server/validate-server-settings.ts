import { spirlSystemValues } from "../config/values-model.ts";
import { annotatedValuesSchema, describeGot, expectedText, valueMessage } from "../schema/index.ts";
import { explainValue } from "../validate/index.ts";
import { ServerStartError } from "./server-start-error.ts";

/** The server's own settings, as the chart's `trustDomainServer` values state them. */
export interface ServerSettings {
  readonly trustDomain: string;
  readonly tokenAudience: string;
}

/** Where a setting comes from, so a message names what to change. */
export type ServerSettingSources = Readonly<Record<keyof ServerSettings, string>>;

/**
 * Checks the trust domain and token audience with the chart's values model: the same rules and messages
 * as `spirl-keywrap validate` and the chart's schema. An empty trust domain (the chart default) is refused
 * too: the server cannot name an SVID without one. Throws `SETTINGS_INVALID` naming the first bad setting.
 */
export function validateServerSettings(
  input: { readonly trustDomain?: string | undefined; readonly tokenAudience?: string | undefined },
  sources: ServerSettingSources,
): ServerSettings {
  const shape = spirlSystemValues.shape.trustDomainServer.shape;
  const settings = { trustDomain: input.trustDomain ?? "", tokenAudience: input.tokenAudience ?? "" };
  for (const field of ["trustDomain", "tokenAudience"] as const) {
    const value = settings[field];
    const node = annotatedValuesSchema().properties?.trustDomainServer?.properties?.[field] ?? {};
    const where = `trustDomainServer.${field} (${sources[field]})`;
    if (value === "")
      throw new ServerStartError(`${where} is not set; expected ${expectedText(node)}`, {
        code: "SETTINGS_INVALID",
      });
    if (shape[field].safeParse(value).success) continue;
    const what = explainValue(node, value)?.what ?? "is invalid";
    throw new ServerStartError(
      `${where} ${valueMessage({ what, expected: expectedText(node), got: describeGot(value) })}`,
      {
        code: "SETTINGS_INVALID",
      },
    );
  }
  return settings;
}
