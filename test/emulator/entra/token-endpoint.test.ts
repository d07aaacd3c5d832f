// Raw HTTPS to login.microsoftonline.com through the proxy: the token exchange and its AADSTS errors.
import { createPublicKey, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { devDefaults } from "../../../src/emulator/index.ts";
import { useEmulator } from "../../helpers/emulator.ts";

const emulator = useEmulator();

async function exchange(overrides: Record<string, string> = {}, tenant: string = devDefaults.tenantId) {
  const assertion = await readFile(emulator.handle.env.AZURE_FEDERATED_TOKEN_FILE ?? "", "utf8");
  return emulator.raw({
    host: "login.microsoftonline.com",
    method: "POST",
    path: `/${tenant}/oauth2/v2.0/token?client-request-id=1`,
    headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" },
    body: new URLSearchParams({
      client_id: devDefaults.clientId,
      scope: "https://managedhsm.azure.net/.default",
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
      ...overrides,
    }).toString(),
  });
}

function expectAadsts(
  response: Awaited<ReturnType<typeof exchange>>,
  status: number,
  error: string,
  code: number,
) {
  expect(response.status).toBe(status);
  const body = response.json as Record<string, unknown>;
  expect(body).toMatchObject({
    error,
    error_codes: [code],
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
  expect(body.error_description).toMatch(
    new RegExp(
      `^AADSTS${code}: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: `,
    ),
  );
  expect(Object.keys(body)).toEqual([
    "error",
    "error_description",
    "error_codes",
    "timestamp",
    "trace_id",
    "correlation_id",
    "error_uri",
  ]);
}

describe("POST /{tenant}/oauth2/v2.0/token", () => {
  it("exchanges a valid assertion for an RS256 access token with tid, oid, appid and the HSM audience", async () => {
    const response = await exchange();
    expect(response.status).toBe(200);
    const body = response.json as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    const [header, payload, signature] = String(body.access_token).split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      aud: "https://managedhsm.azure.net",
      tid: devDefaults.tenantId,
      oid: devDefaults.objectId,
      appid: devDefaults.clientId,
    });
    const jwtHeader = JSON.parse(Buffer.from(header, "base64url").toString()) as Record<string, string>;
    expect(jwtHeader.alg).toBe("RS256");
    const keys = await emulator.raw({
      host: "login.microsoftonline.com",
      method: "GET",
      path: `/${devDefaults.tenantId}/discovery/v2.0/keys`,
    });
    const jwk = (keys.json as { keys: Record<string, string>[] }).keys.find(
      (key) => key.kid === jwtHeader.kid,
    );
    const publicKey = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    expect(
      verify("sha256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url")),
    ).toBe(true);
  });

  it("answers in Entra's key order as application/json; charset=utf-8", async () => {
    const response = await exchange();
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(Object.keys(response.json as object)).toEqual([
      "token_type",
      "expires_in",
      "ext_expires_in",
      "access_token",
    ]);
  });

  it("answers errors in Entra's key order, with CRLF before the trace, correlation and timestamp trailers", async () => {
    const response = await exchange({ client_assertion: "not-a-jwt" });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = response.json as { error_description: string; timestamp: string; trace_id: string };
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.error_description).toBe(
      `AADSTS50027: JWT token is invalid or malformed.\r\nTrace ID: ${body.trace_id}\r\nCorrelation ID: ${(response.json as { correlation_id: string }).correlation_id}\r\nTimestamp: ${body.timestamp}`,
    );
  });

  it("answers another grant_type with AADSTS70003", async () => {
    expectAadsts(await exchange({ grant_type: "password" }), 400, "unsupported_grant_type", 70003);
  });

  it("answers a wrong client_assertion_type with AADSTS7000216", async () => {
    expectAadsts(
      await exchange({ client_assertion_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" }),
      401,
      "invalid_client",
      7000216,
    );
  });

  it("answers a scope without /.default with AADSTS1002012", async () => {
    expectAadsts(
      await exchange({ scope: "https://managedhsm.azure.net/user_impersonation" }),
      400,
      "invalid_scope",
      1002012,
    );
  });

  it("answers a wrong tenant with AADSTS90002", async () => {
    expectAadsts(await exchange({}, "00000000-0000-4000-8000-000000000000"), 400, "invalid_request", 90002);
  });

  it("answers an unknown client with AADSTS700016", async () => {
    expectAadsts(
      await exchange({ client_id: "00000000-0000-4000-8000-000000000000" }),
      400,
      "unauthorized_client",
      700016,
    );
  });

  it("answers a scope for a resource the tenant does not have with AADSTS500011", async () => {
    expectAadsts(
      await exchange({ scope: "https://unknown.example.com/.default" }),
      400,
      "invalid_resource",
      500011,
    );
  });

  it("issues a token for another resource, which the HSM's audience check refuses with 401", async () => {
    const response = await exchange({ scope: "https://vault.azure.net/.default" });
    expect(response.status).toBe(200);
    const token = (response.json as { access_token: string }).access_token;
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    expect(payload.aud).toBe("https://vault.azure.net");
    const refused = await emulator.raw({
      host: "localhsm.managedhsm.azure.net",
      method: "GET",
      path: "/keys/any-key/?api-version=2025-07-01",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({
      error: {
        code: "Unauthorized",
        message: expect.stringMatching(
          /^Found token with aud=https:\/\/vault\.azure\.net, but expected aud=https:\/\/managedhsm\.azure\.net\. \(Activity ID: [0-9a-f-]{36}\)$/,
        ),
      },
    });
    expect(refused.headers["www-authenticate"]).toContain('resource="https://managedhsm.azure.net"');
  });

  it("answers a malformed assertion with AADSTS50027", async () => {
    expectAadsts(await exchange({ client_assertion: "not-a-jwt" }), 401, "invalid_client", 50027);
  });

  it("answers a subject without a federated credential with AADSTS700213", async () => {
    const assertion = emulator.handle.mintAssertion({ subject: "system:serviceaccount:other:intruder" });
    expectAadsts(await exchange({ client_assertion: assertion }), 401, "invalid_client", 700213);
  });

  it("answers a wrong audience with AADSTS700212", async () => {
    const assertion = emulator.handle.mintAssertion({
      subject: devDefaults.subject,
      audience: ["https://kubernetes.default.svc"],
    });
    expectAadsts(await exchange({ client_assertion: assertion }), 401, "invalid_client", 700212);
  });

  it("answers an untrusted issuer with AADSTS700211", async () => {
    const [header, payload, signature] = emulator.handle
      .mintAssertion({ subject: devDefaults.subject })
      .split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const other = Buffer.from(JSON.stringify({ ...claims, iss: "https://issuer.example" })).toString(
      "base64url",
    );
    expectAadsts(
      await exchange({ client_assertion: `${header}.${other}.${signature}` }),
      401,
      "invalid_client",
      700211,
    );
  });

  it("answers an assertion that the emulator clock sees as expired with AADSTS700024", async () => {
    emulator.handle.state.clock.advance(2 * 86_400);
    try {
      expectAadsts(await exchange(), 401, "invalid_client", 700024);
    } finally {
      emulator.handle.state.clock.advance(-2 * 86_400);
    }
  });
});

describe("GET /{tenant}/v2.0/.well-known/openid-configuration", () => {
  it("names the authority's issuer, token endpoint, authorization endpoint and JWKS on login.microsoftonline.com", async () => {
    const response = await emulator.raw({
      host: "login.microsoftonline.com",
      method: "GET",
      path: `/${devDefaults.tenantId}/v2.0/.well-known/openid-configuration`,
    });
    expect(response.status).toBe(200);
    const base = `https://login.microsoftonline.com/${devDefaults.tenantId}`;
    expect(response.json).toMatchObject({
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    });
  });
});
