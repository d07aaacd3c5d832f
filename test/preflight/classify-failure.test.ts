import { describe, expect, it } from "vitest";
import { HsmClientError } from "../../src/hsm/index.ts";
import { classifyFailure } from "../../src/preflight/classify-failure.ts";
import { redactSecrets } from "../../src/preflight/index.ts";
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

  it("fails at once with HSM_UNREACHABLE when the HSM name does not resolve", () => {
    const error = restError(undefined, {}, "ENOTFOUND", "getaddrinfo ENOTFOUND my-hsm.managedhsm.azure.net");
    const failure = classifyFailure(error, context);
    expect(failure.code).toBe("HSM_UNREACHABLE");
    expect(failure.message).toBe(
      "getKey: could not reach my-hsm.managedhsm.azure.net (ENOTFOUND): getaddrinfo ENOTFOUND my-hsm.managedhsm.azure.net",
    );
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
