import type { EmulatorState } from "../state.ts";
import { AadstsError, isAadstsError } from "./aadsts-error.ts";
import { instanceDiscovery } from "./instance-discovery.ts";
import { publicJwk } from "./jwt.ts";
import { exchangeAssertion } from "./token-endpoint.ts";

/** An Entra (login.microsoftonline.com) route: the operation name for logs and faults, and its tenant. */
export interface EntraRoute {
  readonly operation: "token" | "openidConfiguration" | "entraKeys" | "instanceDiscovery";
  readonly tenant: string;
}

export function entraRoute(method: string, pathname: string): EntraRoute | undefined {
  const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
  if (token?.[1] !== undefined && method === "POST") return { operation: "token", tenant: token[1] };
  const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(pathname);
  if (openid?.[1] !== undefined && method === "GET")
    return { operation: "openidConfiguration", tenant: openid[1] };
  const keys = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(pathname);
  if (keys?.[1] !== undefined && method === "GET") return { operation: "entraKeys", tenant: keys[1] };
  const discovery = /^\/([^/]+)\/discovery\/instance$/.exec(pathname);
  if (discovery?.[1] !== undefined && method === "GET")
    return { operation: "instanceDiscovery", tenant: discovery[1] };
  return undefined;
}

/** Serves one Entra request; errors take Entra's JSON shape with an `AADSTS` code. */
export async function handleEntraRequest(
  state: EmulatorState,
  route: EntraRoute | undefined,
  body: Buffer,
  query: URLSearchParams = new URLSearchParams(),
): Promise<{ status: number; json: unknown }> {
  const { directory } = state;
  try {
    if (route === undefined)
      throw new AadstsError(
        404,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests to the token path.",
      );
    const base = `https://login.microsoftonline.com/${directory.tenantId}`;
    if (route.operation === "openidConfiguration")
      return {
        status: 200,
        json: {
          issuer: `${base}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_post"],
          id_token_signing_alg_values_supported: ["RS256"],
          response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
          subject_types_supported: ["pairwise"],
          tenant_region_scope: "WW",
        },
      };
    if (route.operation === "instanceDiscovery")
      return { status: 200, json: instanceDiscovery(route.tenant, query) };
    if (route.operation === "entraKeys")
      return { status: 200, json: { keys: [publicJwk(directory.signingKey, directory.signingKeyId)] } };
    const form = new URLSearchParams(body.toString("utf8"));
    return { status: 200, json: await exchangeAssertion(directory, route.tenant, form) };
  } catch (error) {
    if (!isAadstsError(error)) throw error;
    return { status: error.status, json: error.body(new Date(state.clock.now())) };
  }
}
