import {
  entraStatusOf,
  errorChain,
  errorCodeOf,
  errorNameOf,
  isHsmClientError,
  messageOf,
  responseHeaderOf,
  statusCodeOf,
} from "../hsm/index.ts";
import { aadstsExplanations, findAadsts } from "./explain-aadsts.ts";
import type { FailureCode } from "./failure-catalogue.ts";
import type { PreflightConfig } from "./preflight-config.ts";
import { isPreflightError, PreflightError } from "./preflight-error.ts";
import { oneLine } from "./redact-secrets.ts";

/** What the classifier needs to word a fix: the configured key and the identity in use. */
export interface FailureContext {
  readonly config: PreflightConfig;
  /** `AZURE_CLIENT_ID`, to name the identity that needs a role. */
  readonly clientId?: string | undefined;
  /** `AZURE_TENANT_ID`, to compare with the tenant the HSM names. */
  readonly tenantId?: string | undefined;
  /** The step that failed: `getKey`, `encrypt`, `decrypt`, `negative`. */
  readonly step: string;
}

const tlsCodes = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

const networkCodes = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
]);

/** `my-hsm` from `https://my-hsm.managedhsm.azure.net/`. */
export function hsmName(url: string): string {
  try {
    return new URL(url).hostname.split(".")[0] ?? "<hsm-name>";
  } catch {
    return "<hsm-name>";
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** The `az` line from the product doc that grants the role, with the HSM and (when known) the identity filled in. */
function roleAssignmentCommand(hsm: string, clientId: string | undefined): string {
  const assignee =
    clientId === undefined
      ? "<service-principal-object-id>"
      : `$(az ad sp show --id ${clientId} --query id -o tsv)`;
  return `az keyvault role assignment create --assignee-object-id ${assignee} --assignee-principal-type ServicePrincipal --hsm-name ${hsm} --role "Managed HSM Crypto User" --scope "/"`;
}

function requestIdIn(chain: readonly unknown[]): string | undefined {
  for (const link of chain) {
    const id =
      responseHeaderOf(link, "x-ms-request-id") ?? (isHsmClientError(link) ? link.requestId : undefined);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Turns any error thrown while checking into a classified {@link PreflightError}. */
export function classifyFailure(error: unknown, context: FailureContext): PreflightError {
  if (isPreflightError(error)) return error;
  const { config } = context;
  const hsm = hsmName(config.url);
  const chain = errorChain(error);
  const requestId = requestIdIn(chain);
  const make = (code: FailureCode, message: string, fix?: string) =>
    new PreflightError(oneLine(message, 500), {
      code,
      ...(fix !== undefined && { fix: oneLine(fix, 400) }),
      requestId,
      cause: error,
    });

  if (isHsmClientError(error)) {
    if (error.code === "HSM_RESPONSE_INVALID")
      return make("HSM_RESPONSE_INVALID", `${context.step}: ${error.message}`);
    const cause = error.cause;
    const tls = errorChain(cause).find((link) => tlsCodes.has(errorCodeOf(link) ?? ""));
    if (tls !== undefined) return tlsFailure(tls);
    const fromEntra = errorChain(cause).some(
      (link) => entraStatusOf(link) !== undefined || findAadsts(messageOf(link)) !== undefined,
    );
    if (fromEntra && error.lastFailure !== undefined) {
      const aadsts = errorChain(cause)
        .map((link) => findAadsts(messageOf(link)))
        .find((found) => found !== undefined);
      const detail = aadsts === undefined ? "" : ` (last: AADSTS${aadsts.code} ${aadsts.description})`;
      return error.throttledAttempts > 0
        ? make(
            "THROTTLED",
            `${context.step}: Entra ID answered 429 (throttled) until the deadline${detail}: ${error.message}`,
          )
        : make(
            "ENTRA_UNAVAILABLE",
            `${context.step}: Entra ID could not issue a token until the deadline${detail}: ${error.message}`,
          );
    }
    switch (error.lastFailure) {
      case "throttled":
        return make(
          "THROTTLED",
          `${context.step}: the HSM answered 429 (throttled) until the deadline: ${error.message}`,
        );
      case "unavailable":
        return make(
          "HSM_UNAVAILABLE",
          `${context.step}: the HSM kept failing with ${statusCodeOf(cause) ?? "5xx"}: ${error.message}`,
        );
      case "connection":
        return make(
          "HSM_UNREACHABLE",
          `${context.step}: could not reach ${hostOf(config.url)} (${errorCodeOf(errorChain(cause).find((link) => errorCodeOf(link) !== undefined)) ?? "connection failed"}): ${error.message}`,
        );
      default:
        return make("TIMEOUT", `${context.step}: ${error.message}`);
    }
  }

  for (const link of chain) {
    const status = statusCodeOf(link);
    const code = errorCodeOf(link);
    const message = messageOf(link);
    // A 401 with an error body says why; a bare challenge (empty or "OK", which the SDK fails to parse)
    // is how Managed HSM refuses an expired token, even after the SDK fetched a token again.
    if (status === 401)
      return make(
        "HSM_UNAUTHORIZED",
        code === undefined || code === "PARSE_ERROR"
          ? `${context.step}: the HSM answered 401 with a new authentication challenge: it did not accept the access token, even after a fresh sign-in (expired, or for another tenant)`
          : `${context.step}: the HSM answered 401 ${code}: ${message || "the access token was not accepted"}`,
      );
    if (status === 403) {
      const action = /Microsoft\.KeyVault\/managedHsm\/[\w/.-]+/.exec(message)?.[0];
      if (code === "AccessDenied" || action !== undefined)
        return make(
          "HSM_FORBIDDEN",
          `${context.step}: the HSM answered 403 AccessDenied: the identity${context.clientId === undefined ? "" : ` (client id ${context.clientId})`} may not ${action === undefined ? "use the key" : `perform ${action}`} on ${hsm}`,
          `Assign the role "Managed HSM Crypto User" (it grants ${action ?? "the key data actions"}): ${roleAssignmentCommand(hsm, context.clientId)}`,
        );
      if (/disabled/i.test(message)) return make("KEY_DISABLED", `${context.step}: ${message}`);
      if (/expired/i.test(message)) return make("KEY_EXPIRED", `${context.step}: ${message}`);
      if (/not yet valid|nbf/i.test(message)) return make("KEY_NOT_YET_VALID", `${context.step}: ${message}`);
      if (/key_ops|not allowed|not supported/i.test(message))
        return make("KEY_OPERATION_NOT_PERMITTED", `${context.step}: ${message}`);
      return make("HSM_FORBIDDEN", `${context.step}: the HSM answered 403 ${code ?? ""}: ${message}`);
    }
    if (status === 404)
      return make(
        "KEY_NOT_FOUND",
        `${context.step}: key '${config.keyName}' was not found in ${hsm}: ${message}`,
      );
    // A parse error's message quotes the response body, which may hold ciphertext: never print it.
    if (code === "PARSE_ERROR")
      return make(
        "HSM_RESPONSE_INVALID",
        `${context.step}: the HSM's ${status ?? ""} response body is not valid JSON`,
      );
    if (status !== undefined)
      return make(
        "HSM_RESPONSE_INVALID",
        `${context.step}: the HSM answered ${status} ${code ?? ""}: ${status >= 400 ? message || "(no message)" : "unexpected status"}`,
      );
    if (code !== undefined && tlsCodes.has(code)) return tlsFailure(link);
    if (code !== undefined && networkCodes.has(code))
      return make(
        "HSM_UNREACHABLE",
        `${context.step}: could not reach ${hostOf(config.url)} (${code}): ${message}`,
      );
  }

  const aadsts = chain.map((link) => findAadsts(messageOf(link))).find((found) => found !== undefined);
  if (aadsts !== undefined) {
    const known = aadstsExplanations[aadsts.code];
    return make(
      "TOKEN_REJECTED",
      `Entra ID refused the token: AADSTS${aadsts.code}${known === undefined ? "" : ` (${known.meaning})`}: ${aadsts.description}`,
      known?.fix,
    );
  }
  const all = chain.map(messageOf).join(" | ");
  const tenant = /not configured to acquire tokens for tenant ([\w-]+(?:\.[\w-]+)*)/.exec(all);
  if (tenant !== null)
    return make(
      "TENANT_MISMATCH",
      `${hsm} belongs to tenant ${tenant[1]}, but AZURE_TENANT_ID is ${context.tenantId ?? "unset"}`,
    );
  if (/challenge resource .* does not match/i.test(all))
    return make("URL_NOT_MANAGED_HSM", `${hostOf(config.url)} did not identify itself as a Managed HSM`);
  if (/WorkloadIdentityCredential|federated/i.test(all) && /unavailable|requires|not set|ENOENT/i.test(all))
    return make(
      "WORKLOAD_IDENTITY_MISSING",
      `Workload Identity is not usable: ${chain.map(messageOf).find(Boolean) ?? ""}`,
    );
  // The SDK's error deserializer assumes a Key Vault error body; anything else (an HTML page, a proxy's
  // empty 403) surfaces as a TypeError from inside it.
  if (error instanceof TypeError && /deserializ/i.test(error.stack ?? ""))
    return make(
      "HSM_RESPONSE_INVALID",
      `${context.step}: the response was not a Managed HSM response (a proxy or firewall in between?): ${error.message}`,
    );
  if (chain.some((link) => errorNameOf(link) === "AbortError"))
    return make("TIMEOUT", `${context.step}: aborted at the deadline`);
  const names = chain.map(errorNameOf).filter(Boolean);
  if (names.some((name) => /Authentication|CredentialUnavailable/.test(name ?? "")))
    return make(
      "TOKEN_REJECTED",
      `could not get a token for the HSM: ${chain.map(messageOf).find(Boolean) ?? ""}`,
      // No AADSTS code to act on: the request probably never reached Entra ID.
      "Entra ID gave no AADSTS code, so the token request likely never reached it: check that the pod reaches https://login.microsoftonline.com (AZURE_AUTHORITY_HOST, HTTPS_PROXY, egress rules) and that AZURE_TENANT_ID and AZURE_CLIENT_ID are right.",
    );
  return make(
    "UNEXPECTED",
    `${context.step}: ${errorNameOf(error) ?? "Error"}: ${messageOf(error) || String(error)}`,
  );

  function tlsFailure(link: unknown): PreflightError {
    return make(
      "TLS_FAILED",
      `${context.step}: TLS with ${hostOf(config.url)} or Entra ID failed (${errorCodeOf(link)}): ${messageOf(link)}`,
    );
  }
}
