// The policy that tells a proxy's failures from the HSM's, with a stand-in for the rest of the pipeline.
import { describe, expect, it } from "vitest";
import { isHsmClientError } from "../../src/hsm/index.ts";
import { proxyFailurePolicy } from "../../src/hsm/proxy-failure-policy.ts";
import { restError } from "../helpers/rest-error.ts";

const url = "https://my-hsm.managedhsm.azure.net/keys/k?api-version=7.6";
const proxied = { HTTPS_PROXY: "http://user:pw@127.0.0.1:3128" };

function send(env: NodeJS.ProcessEnv, next: () => Promise<unknown>) {
  const policy = proxyFailurePolicy(env);
  const request = { url, method: "GET" } as Parameters<typeof policy.sendRequest>[0];
  return policy.sendRequest(request, next as Parameters<typeof policy.sendRequest>[1]);
}

const response = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: { has: (name: string) => name in headers, get: (name: string) => headers[name] },
});

async function failure(env: NodeJS.ProcessEnv, next: () => Promise<unknown>) {
  return send(env, next).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("proxyFailurePolicy", () => {
  it("names the proxy, not the HSM, when the proxy cannot be reached, keeping the cause", async () => {
    const cause = restError(undefined, {}, "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:3128");
    const error = await failure(proxied, () => Promise.reject(cause));
    expect(isHsmClientError(error) && error.code).toBe("HSM_PROXY_FAILED");
    expect(isHsmClientError(error) && error.message).toBe(
      "the proxy HTTPS_PROXY (http://127.0.0.1:3128) could not be reached (ECONNREFUSED)",
    );
    expect(isHsmClientError(error) && error.cause).toBe(cause);
  });

  it("treats an error status without x-ms-request-id as the proxy's answer to CONNECT", async () => {
    for (const status of [403, 407, 502]) {
      const error = await failure(proxied, async () => response(status));
      expect(isHsmClientError(error) && error.message, String(status)).toContain(
        `answered ${status} for my-hsm.managedhsm.azure.net:443 instead of the HSM`,
      );
    }
  });

  it("names an https:// proxy that answers TLS in plain text", async () => {
    const cause = restError(undefined, {}, "EPROTO", "write EPROTO ssl routines: wrong version number");
    const error = await failure({ HTTPS_PROXY: "https://127.0.0.1:3128" }, () => Promise.reject(cause));
    expect(isHsmClientError(error) && error.message).toBe(
      "the proxy HTTPS_PROXY (https://127.0.0.1:3128) does not speak TLS (an https:// proxy URL for a plain http:// proxy?)",
    );
    // Through an http:// proxy the same error is the tunnel's, not the proxy's.
    expect(await failure(proxied, () => Promise.reject(cause))).toBe(cause);
  });

  it("passes the HSM's own answers and other errors through", async () => {
    const hsm403 = response(403, { "x-ms-request-id": "r" });
    expect(await send(proxied, async () => hsm403)).toBe(hsm403);
    const reset = restError(undefined, {}, "ECONNRESET", "read ECONNRESET");
    expect(await failure(proxied, () => Promise.reject(reset))).toBe(reset);
  });

  it("leaves requests alone when no proxy is used for the host", async () => {
    const bare = response(403);
    expect(await send({}, async () => bare)).toBe(bare);
    expect(await send({ ...proxied, NO_PROXY: ".managedhsm.azure.net" }, async () => bare)).toBe(bare);
  });
});
