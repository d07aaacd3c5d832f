// Classifiers for failures between the pod and the services: the proxy, TLS, DNS and sockets.
import {
  describeProxy,
  errorCodeOf,
  isHsmClientError,
  messageOf,
  proxySetting,
  usesProxy,
} from "../hsm/index.ts";
import { findAadsts } from "./explain-aadsts.ts";
import type { Classifier } from "./failure-facts.ts";

const entraHost = "login.microsoftonline.com";

/** The HSM client's own verdict that the proxy failed a request (unreachable, or refused the CONNECT). */
export const proxyFailedHsmRequest: Classifier = (chain, facts) => {
  const failure = chain.find((link) => isHsmClientError(link) && link.code === "HSM_PROXY_FAILED");
  return failure === undefined ? undefined : facts.make("PROXY", `${facts.step}: ${messageOf(failure)}`);
};

/**
 * The proxy refused the token request's CONNECT: MSAL reports the proxy's answer as a client error with
 * an HTTP status and no AADSTS code (Entra ID itself always sends one).
 */
export const proxyFailedTokenRequest: Classifier = (chain, facts) => {
  const setting = proxySetting(facts.env);
  if (setting === undefined || !usesProxy(entraHost, facts.env)) return undefined;
  const messages = chain.map(messageOf);
  if (messages.some((message) => findAadsts(message) !== undefined)) return undefined;
  const status = messages.map((message) => /Http status code: (\d{3})\b/.exec(message)?.[1]).find(Boolean);
  const ended = messages.some((message) => /Proxy connection ended before receiving CONNECT/.test(message));
  if (status === undefined && !ended) return undefined;
  return facts.make(
    "PROXY",
    `${facts.step}: the proxy ${describeProxy(setting)} ${status === undefined ? "closed the connection without answering CONNECT" : `answered ${status}`} for ${entraHost}:443 instead of Entra ID (no AADSTS code)`,
  );
};

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

// TLS errors reach MSAL's network client as messages only: match the codes by name there too.
const tlsCodeInMessage = new RegExp(`\\b(${[...tlsCodes].join("|")})\\b`);

/** A certificate the pod does not trust or that names another host, anywhere in the chain. */
export const tlsFailed: Classifier = (chain, facts) => {
  for (const link of chain) {
    const code = errorCodeOf(link);
    const named =
      code !== undefined && tlsCodes.has(code) ? code : tlsCodeInMessage.exec(messageOf(link))?.[1];
    if (named !== undefined)
      return facts.make(
        "TLS_FAILED",
        `${facts.step}: TLS with ${facts.host} or Entra ID failed (${named}): ${messageOf(link)}`,
      );
  }
  return undefined;
};

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

/** A socket or DNS error that was not retried (a name that does not resolve fails at once). */
export const networkFailed: Classifier = (chain, facts) => {
  for (const link of chain) {
    const code = errorCodeOf(link);
    if (code !== undefined && networkCodes.has(code))
      return facts.make(
        "HSM_UNREACHABLE",
        `${facts.step}: could not reach ${facts.host} (${code}): ${messageOf(link)}`,
      );
  }
  return undefined;
};
