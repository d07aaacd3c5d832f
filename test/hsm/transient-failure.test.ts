import { describe, expect, it } from "vitest";
import { transientFailure } from "../../src/hsm/index.ts";
import { restError } from "../helpers/rest-error.ts";

describe("transientFailure", () => {
  it("classifies 429 with Retry-After, 5xx, resets; not 4xx, 501, TLS or DNS", () => {
    expect(transientFailure(restError(429, { "retry-after": "2" }))).toEqual({
      kind: "throttled",
      retryAfterMs: 2000,
    });
    expect(transientFailure(restError(429, { "retry-after-ms": "150" }))).toEqual({
      kind: "throttled",
      retryAfterMs: 150,
    });
    expect(transientFailure(restError(503))).toEqual({ kind: "unavailable" });
    expect(transientFailure(restError(undefined, {}, "ECONNRESET"))).toEqual({ kind: "connection" });
    for (const permanent of [
      restError(400),
      restError(401),
      restError(403),
      restError(404),
      restError(501),
      restError(undefined, {}, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      restError(undefined, {}, "ENOTFOUND"),
      new Error("AADSTS700213: No matching federated identity record found"),
    ])
      expect(transientFailure(permanent), permanent.message).toBeUndefined();
  });

  it("treats Entra's temporarily_unavailable (AADSTS90033) as transient", () => {
    expect(
      transientFailure(
        new Error("temporarily_unavailable: Error(s): 90033 - AADSTS90033: A transient error"),
      ),
    ).toEqual({ kind: "unavailable" });
  });

  // MSAL keeps no socket error code for a token request that got no answer (a reset): only its word.
  it("treats MSAL's network_error (a reset on the way to Entra ID) as a connection failure", () => {
    const error = Object.assign(
      new Error(
        "ChainedTokenCredential authentication failed. AuthenticationRequiredError: network_error: See https://aka.ms/msal.js.errors#network_error for details",
      ),
      { name: "AuthenticationRequiredError" },
    );
    expect(transientFailure(error)).toEqual({ kind: "connection" });
  });

  it("reads Entra's HTTP status from MSAL's ServerError", () => {
    const serverError = (status: number) =>
      Object.assign(new Error("temporarily_unavailable: AADSTS90033"), { name: "ServerError", status });
    const wrapped = (status: number) =>
      Object.assign(new Error("ChainedTokenCredential authentication failed."), {
        errors: [Object.assign(new Error("temporarily_unavailable"), { cause: serverError(status) })],
      });
    expect(transientFailure(wrapped(429))).toEqual({ kind: "throttled" });
    expect(transientFailure(wrapped(503))).toEqual({ kind: "unavailable" });
  });
});
