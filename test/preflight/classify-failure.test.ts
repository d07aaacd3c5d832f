import { describe, expect, it } from "vitest";
import { createDeadline, HsmClientError, retryWithinDeadline } from "../../src/hsm/index.ts";
import { classifiers, classifyFailure } from "../../src/preflight/classify-failure.ts";
import { redactSecrets } from "../../src/preflight/index.ts";
import { recordProducedFailure } from "../helpers/produced-failures.ts";
import { restError } from "../helpers/rest-error.ts";

const context = {
  config: { url: "https://my-hsm.managedhsm.azure.net/", keyName: "wrap" },
  clientId: "11111111-2222-4333-8444-555555555555",
  step: "getKey",
};

describe("classifyFailure", () => {
  it("explains AADSTS70021 as a federated identity mismatch", () => {
    const error = new Error(
      "invalid_client: Error(s): 70021 - Description: AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://oidc.example'. Trace ID: x",
    );
    const failure = classifyFailure(
      Object.assign(new Error("ChainedTokenCredential authentication failed."), { errors: [error] }),
      context,
    );
    expect(failure.code).toBe("TOKEN_REJECTED");
    expect(failure.message).toContain("AADSTS70021 (no federated identity credential matches");
    expect(failure.fix).toContain("subject = system:serviceaccount:<namespace>:<service-account>");
  });

  it("does not point at an AADSTS code when Entra ID gave none", () => {
    const error = Object.assign(new Error("Unable to reach https://login.example.invalid/tenant"), {
      name: "AuthenticationError",
    });
    const failure = classifyFailure(error, { ...context, step: "identity" });
    expect(failure.code).toBe("TOKEN_REJECTED");
    expect(failure.fix).not.toContain("Act on the AADSTS code");
    expect(failure.fix).toContain("AZURE_AUTHORITY_HOST");
  });

  it("names the data action and fills the role assignment command on a 403", () => {
    const error = restError(
      403,
      {},
      "AccessDenied",
      "Not authorized to access Microsoft.KeyVault/managedHsm/keys/decrypt/action on '/keys/wrap' (Activity ID: abc)",
    );
    const failure = classifyFailure(error, { ...context, step: "decrypt" });
    expect(failure.code).toBe("HSM_FORBIDDEN");
    expect(failure.message).toContain(
      "may not perform Microsoft.KeyVault/managedHsm/keys/decrypt/action on my-hsm",
    );
    expect(failure.fix).toContain('--hsm-name my-hsm --role "Managed HSM Crypto User" --scope "/"');
    expect(failure.fix).toContain(`az ad sp show --id ${context.clientId}`);
  });

  it("maps a deadline by its last transient failure", () => {
    const deadline = (lastFailure: "throttled" | "unavailable" | "connection" | undefined) =>
      new HsmClientError("x", {
        code: "HSM_DEADLINE_EXCEEDED",
        operation: "encrypt",
        attempts: 3,
        ...(lastFailure !== undefined && { lastFailure }),
      });
    expect(classifyFailure(deadline("throttled"), context).code).toBe("THROTTLED");
    expect(classifyFailure(deadline("unavailable"), context).code).toBe("HSM_UNAVAILABLE");
    expect(classifyFailure(deadline("connection"), context).code).toBe("HSM_UNREACHABLE");
    expect(classifyFailure(deadline(undefined), context).code).toBe("TIMEOUT");
  });

  it("fails at once with HSM_UNREACHABLE when the HSM name does not resolve", async () => {
    const waits: number[] = [];
    let attempts = 0;
    // Through the retry loop, as the preflight runs it: a name that does not resolve is not retried.
    const error = await retryWithinDeadline(
      "getKey",
      createDeadline(30_000),
      async () => {
        attempts++;
        throw restError(undefined, {}, "ENOTFOUND", "getaddrinfo ENOTFOUND my-hsm.managedhsm.azure.net");
      },
      { policy: { sleep: async (ms) => void waits.push(ms) } },
    ).catch((caught: unknown) => caught);
    expect({ attempts, waits }).toEqual({ attempts: 1, waits: [] });
    const failure = classifyFailure(error, context);
    expect(failure.code).toBe("HSM_UNREACHABLE");
    expect(failure.message).toBe(
      "getKey: could not reach my-hsm.managedhsm.azure.net (ENOTFOUND): getaddrinfo ENOTFOUND my-hsm.managedhsm.azure.net",
    );
  });

  it("names the proxy when the HSM client says it failed the request, keeping the cause", () => {
    const cause = restError(undefined, {}, "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1");
    const error = new HsmClientError(
      "the proxy HTTPS_PROXY (http://127.0.0.1:1) could not be reached (ECONNREFUSED)",
      {
        code: "HSM_PROXY_FAILED",
        operation: "getKey",
        attempts: 1,
        cause,
      },
    );
    const failure = classifyFailure(error, context);
    expect(failure.code).toBe("PROXY");
    expect(failure.message).toBe(
      "getKey: the proxy HTTPS_PROXY (http://127.0.0.1:1) could not be reached (ECONNREFUSED)",
    );
    expect(failure.cause).toBe(error);
  });

  it("names the proxy for a token request it refused (a status, no AADSTS code), only when one is set", () => {
    const error = Object.assign(
      new Error(
        "ChainedTokenCredential authentication failed. AuthenticationRequiredError: client_error: Error(s): Not Available - Description: A client error occured. Http status code: 407 Http status message: Unknown",
      ),
      { name: "AggregateAuthenticationError" },
    );
    const proxied = classifyFailure(error, { ...context, env: { HTTPS_PROXY: "http://p:3128" } });
    expect(proxied.code).toBe("PROXY");
    expect(proxied.message).toBe(
      "getKey: the proxy HTTPS_PROXY (http://p:3128) answered 407 for login.microsoftonline.com:443 instead of Entra ID (no AADSTS code)",
    );
    expect(classifyFailure(error, { ...context, env: {} }).code).toBe("TOKEN_REJECTED");
  });

  it("calls a token file that cannot be read WORKLOAD_IDENTITY_MISSING, from the identity library's words", () => {
    for (const code of ["EISDIR", "EACCES", "ENOENT"]) {
      const error = Object.assign(new Error(`${code}: illegal operation, read`), {
        name: "AuthenticationRequiredError",
      });
      expect(classifyFailure(error, context).code, code).toBe("WORKLOAD_IDENTITY_MISSING");
    }
  });

  it("calls Entra ID dropping every token request until the deadline ENTRA_UNAVAILABLE, not the HSM unreachable", () => {
    const error = new HsmClientError(
      "getKey did not succeed within 3000 ms (4 attempts, last failure: connection)",
      {
        code: "HSM_DEADLINE_EXCEEDED",
        operation: "getKey",
        attempts: 4,
        lastFailure: "connection",
        cause: new Error("network_error: See https://aka.ms/msal.js.errors#network_error for details"),
      },
    );
    expect(classifyFailure(error, context).code).toBe("ENTRA_UNAVAILABLE");
  });

  it("says what a timeout was still waiting for", () => {
    const error = new HsmClientError("getKey did not succeed within 5000 ms (1 attempt)", {
      code: "HSM_DEADLINE_EXCEEDED",
      operation: "getKey",
      attempts: 1,
    });
    expect(classifyFailure(error, { ...context, waitingForToken: true }).message).toBe(
      "getKey: getKey did not succeed within 5000 ms (1 attempt), still waiting for a token from Entra ID",
    );
  });

  it("is UNEXPECTED for what no rule recognises, and escapes control characters", () => {
    const failure = classifyFailure(new RangeError("odd \u001b[31m thing"), { ...context, step: "encrypt" });
    expect(failure.code).toBe("UNEXPECTED");
    // No run can produce it any more (every known failure has its class): the classifier alone does.
    recordProducedFailure("UNEXPECTED");
    expect(failure.message).toBe("encrypt: RangeError: odd \\x1b[31m thing");
  });

  it("is an ordered list of small named rules, each answering for itself", () => {
    const names = classifiers.map((classify) => classify.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name.length > 0)).toBe(true);
    // The proxy's faked answers come before the statuses they look like.
    expect(names.indexOf("proxyFailedHsmRequest")).toBeLessThan(names.indexOf("hsmForbidden"));
  });

  it("never quotes a response body from a parse error", () => {
    const error = restError(
      200,
      {},
      "PARSE_ERROR",
      'Error "SyntaxError" occurred while parsing the response body - {"value":"c2VjcmV0"',
    );
    const failure = classifyFailure(error, { ...context, step: "encrypt" });
    expect(failure.code).toBe("HSM_RESPONSE_INVALID");
    expect(failure.message).not.toContain("c2VjcmV0");
  });
});

describe("redactSecrets", () => {
  it("removes JWTs, bearer tokens, assertions and crypto fields", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const text = redactSecrets(
      `token ${jwt} Authorization: Bearer abcdefghijklmnopqrstuvwxyz client_assertion=${jwt}&x=1 {"value":"AAAA","iv":"BBBB"} https://user:pw@host/`,
    );
    expect(text).not.toContain(jwt);
    expect(text).not.toContain("abcdefghijklmnopqrstuvwxyz");
    expect(text).not.toContain("AAAA");
    expect(text).not.toContain("pw@");
  });

  it("masks a URL password that itself contains @, up to the last @ of the authority", () => {
    expect(redactSecrets("url https://admin:s3cr@t!@my-hsm.managedhsm.azure.net/keys/k")).toBe(
      "url https://***@my-hsm.managedhsm.azure.net/keys/k",
    );
  });
});
