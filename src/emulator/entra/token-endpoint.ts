import type { KeyObject } from "node:crypto";
import { AadstsError, invalidClient } from "./aadsts-error.ts";
import { accessTokenLifetimeSeconds, issueAccessToken, knownResources } from "./access-token.ts";
import type { ClientRegistration, EntraDirectory } from "./directory.ts";
import { fetchIssuerKeys } from "./fetch-issuer-keys.ts";
import { type DecodedJwt, decodeJwt, verifyJwtSignature } from "./jwt.ts";

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const exchangeAudience = "api://AzureADTokenExchange";

/** The JSON MSAL accepts from `POST /{tenant}/oauth2/v2.0/token`. */
export interface TokenResponse {
  readonly token_type: "Bearer";
  readonly expires_in: number;
  readonly ext_expires_in: number;
  readonly access_token: string;
}

/**
 * Serves the client-credentials grant with a federated client assertion, checking what Entra checks:
 * tenant, client, scope, then the assertion's issuer, signature (via the issuer's OIDC discovery and
 * JWKS), lifetime, audience and subject. Throws {@link AadstsError}.
 */
export async function exchangeAssertion(
  directory: EntraDirectory,
  tenant: string,
  form: URLSearchParams,
): Promise<TokenResponse> {
  if (tenant !== directory.tenantId)
    throw new AadstsError(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  const grantType = form.get("grant_type");
  if (grantType !== "client_credentials")
    throw new AadstsError(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  const clientId = form.get("client_id") ?? "";
  const client = directory.clients.get(clientId);
  if (client === undefined)
    throw new AadstsError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${directory.tenantId}'.`,
    );
  const resource = checkScope(form.get("scope") ?? "", directory.tenantId);
  const assertion = form.get("client_assertion");
  if (assertion === null || form.get("client_assertion_type") !== jwtBearer)
    throw invalidClient(
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  await verifyAssertion(directory, client, assertion);
  return {
    token_type: "Bearer",
    expires_in: accessTokenLifetimeSeconds,
    ext_expires_in: accessTokenLifetimeSeconds,
    access_token: issueAccessToken(directory, client, resource),
  };
}

/** The resource the `/.default` scope names (as written, e.g. with ARM's trailing slash), if the tenant knows it. */
function checkScope(scope: string, tenantId: string): string {
  const scopes = scope.split(" ").filter((entry) => entry !== "");
  const resource = scopes.find((entry) => entry.endsWith("/.default"));
  if (resource === undefined)
    throw new AadstsError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  const requested = resource.slice(0, -"/.default".length);
  const name = requested.replace(/\/$/, "");
  if (!knownResources.has(name))
    throw new AadstsError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${name} was not found in the tenant named ${tenantId}.`,
    );
  return requested;
}

async function verifyAssertion(directory: EntraDirectory, client: ClientRegistration, assertion: string) {
  const jwt = decodeJwt(assertion);
  if (jwt === undefined) throw invalidClient(50027, "JWT token is invalid or malformed.");
  const { iss, sub } = jwt.payload;
  const credentials = client.federatedCredentials.filter((credential) => credential.issuer === iss);
  const trusted = typeof iss === "string" ? directory.issuers.get(iss) : undefined;
  if (credentials.length === 0 || trusted === undefined)
    throw invalidClient(
      700211,
      `No matching federated identity record found for presented assertion issuer '${String(iss)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    );
  let keys: Map<string, KeyObject>;
  try {
    keys = await fetchIssuerKeys(trusted);
  } catch (error) {
    throw invalidClient(50166, `Request to External OIDC endpoint failed: ${(error as Error).message}.`);
  }
  const key = typeof jwt.header.kid === "string" ? keys.get(jwt.header.kid) : undefined;
  if (key === undefined || !verifyJwtSignature(jwt, key))
    throw invalidClient(700027, "Client assertion failed signature validation.");
  checkLifetime(jwt, directory.clock.nowSeconds());
  const audiences = Array.isArray(jwt.payload.aud) ? jwt.payload.aud : [jwt.payload.aud];
  const byAudience = credentials.filter((credential) =>
    (credential.audiences ?? [exchangeAudience]).some((audience) => audiences.includes(audience)),
  );
  if (byAudience.length === 0)
    throw invalidClient(
      700212,
      `No matching federated identity record found for presented assertion audience '${audiences.join(",")}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    );
  if (!byAudience.some((credential) => credential.subject === sub))
    throw invalidClient(
      700213,
      `No matching federated identity record found for presented assertion subject '${String(sub)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    );
}

function checkLifetime(jwt: DecodedJwt, now: number): void {
  const { exp, nbf } = jwt.payload;
  if (typeof exp === "number" && now < exp && (typeof nbf !== "number" || now >= nbf)) return;
  const fmt = (seconds: unknown) =>
    typeof seconds === "number" ? new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z") : "none";
  throw invalidClient(
    700024,
    `Client assertion is not within its valid time range. Current time: ${fmt(now)}, assertion valid from ${fmt(nbf)}, expiry time of assertion ${fmt(exp)}.`,
  );
}
