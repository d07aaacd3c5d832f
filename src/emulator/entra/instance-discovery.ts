import { AadstsError } from "./aadsts-error.ts";

/**
 * The clouds Entra's instance discovery lists, as captured from `GET /common/discovery/instance?api-version=1.1`
 * (Azure SDK recordings, 2021-2023; also the metadata `@azure/identity` hard-codes for managed identity).
 */
const cloudMetadata = [
  {
    preferred_network: "login.microsoftonline.com",
    preferred_cache: "login.windows.net",
    aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
  },
  {
    preferred_network: "login.partner.microsoftonline.cn",
    preferred_cache: "login.partner.microsoftonline.cn",
    aliases: ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
  },
  {
    preferred_network: "login.microsoftonline.de",
    preferred_cache: "login.microsoftonline.de",
    aliases: ["login.microsoftonline.de"],
  },
  {
    preferred_network: "login.microsoftonline.us",
    preferred_cache: "login.microsoftonline.us",
    aliases: ["login.microsoftonline.us", "login.usgovcloudapi.net"],
  },
  {
    preferred_network: "login-us.microsoftonline.com",
    preferred_cache: "login-us.microsoftonline.com",
    aliases: ["login-us.microsoftonline.com"],
  },
] as const;

const knownHosts: ReadonlySet<string> = new Set(cloudMetadata.flatMap((cloud) => cloud.aliases));

/**
 * Answers `GET /{tenant}/discovery/instance` as Entra does: the cloud aliases MSAL uses to pick its
 * network host and cache key, and the tenant's OIDC document named after the tenant of
 * `authorization_endpoint` (the path's tenant when there is none). An authority on an unknown host is
 * `invalid_instance` (AADSTS50049), the validation MSAL asks this endpoint for.
 */
export function instanceDiscovery(pathTenant: string, query: URLSearchParams): unknown {
  const endpoint = query.get("authorization_endpoint");
  let tenant = pathTenant;
  if (endpoint !== null) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== "https:" || !knownHosts.has(url.hostname))
      throw new AadstsError(400, "invalid_instance", 50049, "Unknown or invalid instance.");
    tenant = url.pathname.split("/")[1] || pathTenant;
  }
  return {
    tenant_discovery_endpoint: `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: cloudMetadata,
  };
}
