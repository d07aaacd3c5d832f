/**
 * Where each preflight setting comes from (chart value, flag, environment variable the chart sets), so a
 * message names what to change. Its own module: the CLI reads it for --help without loading the values model.
 */
export const configSources = {
  url: { value: "azure.keyVault.url", flag: "--url", env: "SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL" },
  keyName: { value: "azure.keyVault.keyName", flag: "--key-name", env: "SPIRL_KEYWRAP_AZURE_KEY_NAME" },
  keyVersion: {
    value: "azure.keyVault.keyVersion",
    flag: "--key-version",
    env: "SPIRL_KEYWRAP_AZURE_KEY_VERSION",
  },
} as const;
