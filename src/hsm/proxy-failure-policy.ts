import type { KeyClientOptions } from "@azure/keyvault-keys";
import { operationOf } from "./call-recorder.ts";
import { HsmClientError } from "./hsm-client-error.ts";
import { describeProxy, type ProxySetting, proxySetting, usesProxy } from "./proxy-setting.ts";
import { errorChain, errorCodeOf, messageOf } from "./rest-error-fields.ts";

type PipelinePolicy = NonNullable<KeyClientOptions["additionalPolicies"]>[number]["policy"];

/** Socket errors of the connection to the proxy itself (every connection goes there first). */
const connectCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

/** TLS spoken to something that answers in plain text: the HSM never does, so with an https:// proxy it is the proxy. */
const tlsToPlainText = /wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|\bEPROTO\b/;

/** What went wrong with the proxy, from a failed request; undefined when it was not the proxy. */
function proxyConnectFailure(error: unknown, setting: ProxySetting): string | undefined {
  for (const link of errorChain(error)) {
    const message = messageOf(link);
    if (setting.url?.protocol === "https:" && tlsToPlainText.test(`${errorCodeOf(link)} ${message}`))
      return "does not speak TLS (an https:// proxy URL for a plain http:// proxy?)";
    // https-proxy-agent's words when the proxy closes the connection instead of answering CONNECT.
    if (/Proxy connection ended before receiving CONNECT response/.test(message))
      return "closed the connection without answering CONNECT";
    const code = errorCodeOf(link);
    if (code !== undefined && connectCodes.has(code) && /^(connect|getaddrinfo) /.test(message))
      return `could not be reached (${code})`;
  }
  return undefined;
}

/**
 * Tells the proxy's failures from the HSM's, so they fail at once with `HSM_PROXY_FAILED` instead of
 * being retried until the deadline or read as a broken HSM response: a connection to the proxy that
 * fails, and an error status without the `x-ms-request-id` every Managed HSM response carries (the
 * proxy agent hands a refused CONNECT's answer — 403, 407, 502 — to the SDK as if the HSM had sent it).
 * Requests that NO_PROXY exempts are left alone.
 */
export function proxyFailurePolicy(env: NodeJS.ProcessEnv): PipelinePolicy {
  return {
    name: "spirlKeywrapProxyFailure",
    async sendRequest(request, next) {
      const host = new URL(request.url).hostname;
      const setting = proxySetting(env);
      if (setting === undefined || !usesProxy(host, env)) return next(request);
      const fail = (what: string, cause?: unknown) =>
        new HsmClientError(`the proxy ${describeProxy(setting)} ${what}`, {
          code: "HSM_PROXY_FAILED",
          operation: operationOf(request.method, request.url),
          attempts: 1,
          ...(cause !== undefined && { cause }),
        });
      let response: Awaited<ReturnType<typeof next>>;
      try {
        response = await next(request);
      } catch (error) {
        const what = proxyConnectFailure(error, setting);
        throw what === undefined ? error : fail(what, error);
      }
      if (response.status >= 400 && !response.headers.has("x-ms-request-id"))
        throw fail(
          `answered ${response.status} for ${host}:443 instead of the HSM (the answer has no x-ms-request-id)`,
        );
      return response;
    },
  };
}
