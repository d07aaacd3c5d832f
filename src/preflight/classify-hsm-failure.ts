// Classifiers for what the Managed HSM answered, or kept answering until the deadline.
import {
  entraStatusOf,
  errorChain,
  errorCodeOf,
  errorNameOf,
  isHsmClientError,
  messageOf,
  statusCodeOf,
} from "../hsm/index.ts";
import { findAadsts } from "./explain-aadsts.ts";
import type { Classifier, FailureFacts } from "./failure-facts.ts";

/** The HSM client found the answer malformed (no iv or tag, a kid it did not ask for). */
export const responseInvalid: Classifier = ([error], facts) =>
  isHsmClientError(error) && error.code === "HSM_RESPONSE_INVALID"
    ? facts.make(
        "HSM_RESPONSE_INVALID",
        // The client's message already starts with the operation it ran.
        error.message.startsWith(`${error.operation}:`) ? error.message : `${facts.step}: ${error.message}`,
      )
    : undefined;

/** Entra ID kept failing (throttled, unavailable, no usable answer) until the deadline. */
export const entraUntilDeadline: Classifier = ([error], facts) => {
  if (!isHsmClientError(error) || error.code !== "HSM_DEADLINE_EXCEEDED" || error.lastFailure === undefined)
    return undefined;
  const causes = errorChain(error.cause);
  // MSAL's network_error: a reset or an unreadable answer from Entra ID (it keeps no code of its own).
  const fromEntra = causes.some(
    (link) =>
      entraStatusOf(link) !== undefined ||
      findAadsts(messageOf(link)) !== undefined ||
      /\bnetwork_error\b/.test(messageOf(link)),
  );
  if (!fromEntra) return undefined;
  const aadsts = causes.map((link) => findAadsts(messageOf(link))).find((found) => found !== undefined);
  const detail = aadsts === undefined ? "" : ` (last: AADSTS${aadsts.code} ${aadsts.description})`;
  return error.throttledAttempts > 0
    ? facts.make(
        "THROTTLED",
        `${facts.step}: Entra ID answered 429 (throttled) until the deadline${detail}: ${error.message}`,
      )
    : facts.make(
        "ENTRA_UNAVAILABLE",
        `${facts.step}: Entra ID could not issue a token until the deadline${detail}: ${error.message}`,
      );
};

/** The deadline passed: named by what the last failed attempt was, or a plain timeout. */
export const hsmUntilDeadline: Classifier = ([error], facts) => {
  if (!isHsmClientError(error) || error.code !== "HSM_DEADLINE_EXCEEDED") return undefined;
  const cause = error.cause;
  switch (error.lastFailure) {
    case "throttled":
      return facts.make(
        "THROTTLED",
        `${facts.step}: the HSM answered 429 (throttled) until the deadline: ${error.message}`,
      );
    case "unavailable":
      return facts.make(
        "HSM_UNAVAILABLE",
        `${facts.step}: the HSM kept failing with ${statusCodeOf(cause) ?? "5xx"}: ${error.message}`,
      );
    case "connection": {
      const code = errorChain(cause)
        .map(errorCodeOf)
        .find((found) => found !== undefined);
      return facts.make(
        "HSM_UNREACHABLE",
        `${facts.step}: could not reach ${facts.host} (${code ?? "connection failed"}): ${error.message}`,
      );
    }
    default:
      return timeout(facts, error.message);
  }
};

/** The run was aborted at the deadline outside the HSM client's retries. */
export const aborted: Classifier = (chain, facts) =>
  chain.some((link) => /^(AbortError|TimeoutError)$/.test(errorNameOf(link) ?? ""))
    ? timeout(facts, "aborted at the deadline")
    : undefined;

function timeout(facts: FailureFacts, what: string) {
  const waiting = facts.waitingForToken === true ? ", still waiting for a token from Entra ID" : "";
  return facts.make("TIMEOUT", `${facts.step}: ${what}${waiting}`);
}

/**
 * 401: with an error body it says why; a bare challenge (empty or "OK", which the SDK fails to parse) is
 * how Managed HSM refuses an expired token, even after the SDK fetched a token again.
 */
export const hsmUnauthorized: Classifier = (chain, facts) => {
  const link = chain.find((candidate) => statusCodeOf(candidate) === 401);
  if (link === undefined) return undefined;
  const code = errorCodeOf(link);
  return facts.make(
    "HSM_UNAUTHORIZED",
    code === undefined || code === "PARSE_ERROR"
      ? `${facts.step}: the HSM answered 401 with a new authentication challenge: it did not accept the access token, even after a fresh sign-in (expired, or for another tenant)`
      : `${facts.step}: the HSM answered 401 ${code}: ${messageOf(link) || "the access token was not accepted"}`,
  );
};

/** The `az` line from the product doc that grants the role, with the HSM and (when known) the identity filled in. */
function roleAssignmentCommand(hsm: string, clientId: string | undefined): string {
  const assignee =
    clientId === undefined
      ? "<service-principal-object-id>"
      : `$(az ad sp show --id ${clientId} --query id -o tsv)`;
  return `az keyvault role assignment create --assignee-object-id ${assignee} --assignee-principal-type ServicePrincipal --hsm-name ${hsm} --role "Managed HSM Crypto User" --scope "/"`;
}

/** 403: a missing RBAC data action (with the role and command that grant it), or the key's own state. */
export const hsmForbidden: Classifier = (chain, facts) => {
  const link = chain.find((candidate) => statusCodeOf(candidate) === 403);
  if (link === undefined) return undefined;
  const code = errorCodeOf(link);
  const message = messageOf(link);
  const action = /Microsoft\.KeyVault\/managedHsm\/[\w/.-]+/.exec(message)?.[0];
  if (code === "AccessDenied" || action !== undefined)
    return facts.make(
      "HSM_FORBIDDEN",
      `${facts.step}: the HSM answered 403 AccessDenied: the identity${facts.clientId === undefined ? "" : ` (client id ${facts.clientId})`} may not ${action === undefined ? "use the key" : `perform ${action}`} on ${facts.hsm}`,
      `Assign the role "Managed HSM Crypto User" (it grants ${action ?? "the key data actions"}): ${roleAssignmentCommand(facts.hsm, facts.clientId)}`,
    );
  const byMessage = [
    [/disabled/i, "KEY_DISABLED"],
    [/expired/i, "KEY_EXPIRED"],
    [/not yet valid|nbf/i, "KEY_NOT_YET_VALID"],
    [/key_ops|not allowed|not supported/i, "KEY_OPERATION_NOT_PERMITTED"],
  ] as const;
  const found = byMessage.find(([pattern]) => pattern.test(message));
  if (found !== undefined) return facts.make(found[1], `${facts.step}: ${message}`);
  return facts.make("HSM_FORBIDDEN", `${facts.step}: the HSM answered 403 ${code ?? ""}: ${message}`);
};

/** 404: no key by that name (a missing pinned version is told apart before classification). */
export const keyNotFound: Classifier = (chain, facts) => {
  const link = chain.find((candidate) => statusCodeOf(candidate) === 404);
  return link === undefined
    ? undefined
    : facts.make(
        "KEY_NOT_FOUND",
        `${facts.step}: key '${facts.config.keyName}' was not found in ${facts.hsm}: ${messageOf(link)}`,
      );
};

/** A body that is not JSON. Its parse error quotes the body, which may hold ciphertext: never print it. */
export const unparsableBody: Classifier = (chain, facts) => {
  const link = chain.find((candidate) => errorCodeOf(candidate) === "PARSE_ERROR");
  return link === undefined
    ? undefined
    : facts.make(
        "HSM_RESPONSE_INVALID",
        `${facts.step}: the HSM's ${statusCodeOf(link) ?? ""} response body is not valid JSON`,
      );
};

/** Any other HTTP status the protocol does not lead us to expect. */
export const unexpectedStatus: Classifier = (chain, facts) => {
  const link = chain.find((candidate) => statusCodeOf(candidate) !== undefined);
  const status = statusCodeOf(link);
  if (status === undefined) return undefined;
  return facts.make(
    "HSM_RESPONSE_INVALID",
    `${facts.step}: the HSM answered ${status} ${errorCodeOf(link) ?? ""}: ${status >= 400 ? messageOf(link) || "(no message)" : "unexpected status"}`,
  );
};

/**
 * The SDK's error deserializer assumes a Key Vault error body; anything else (an HTML page, a firewall's
 * empty 403) surfaces as a TypeError from inside it.
 */
export const foreignResponse: Classifier = ([error], facts) =>
  error instanceof TypeError && /deserializ/i.test(error.stack ?? "")
    ? facts.make(
        "HSM_RESPONSE_INVALID",
        `${facts.step}: the response was not a Managed HSM response (a proxy or firewall in between?): ${error.message}`,
      )
    : undefined;
