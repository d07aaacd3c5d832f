// Raw HTTPS GET /{tenant}/discovery/instance: what MSAL Go and MSAL Python ask before their first token.
import { describe, expect, it } from "vitest";
import { devDefaults } from "../../../src/emulator/index.ts";
import { useEmulator } from "../../helpers/emulator.ts";

const emulator = useEmulator();
const discover = (path: string) => emulator.raw({ host: "login.microsoftonline.com", method: "GET", path });
const authorize = (host: string, tenant: string) =>
  encodeURIComponent(`https://${host}/${tenant}/oauth2/v2.0/authorize`);

describe("instance discovery", () => {
  it("answers 200 with the tenant's OIDC document and the public cloud's aliases", async () => {
    const response = await discover(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize("login.microsoftonline.com", devDefaults.tenantId)}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = response.json as {
      tenant_discovery_endpoint: string;
      "api-version": string;
      metadata: { preferred_network: string; preferred_cache: string; aliases: string[] }[];
    };
    expect(body.tenant_discovery_endpoint).toBe(
      `https://login.microsoftonline.com/${devDefaults.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    expect(body["api-version"]).toBe("1.1");
    expect(body.metadata[0]).toEqual({
      preferred_network: "login.microsoftonline.com",
      preferred_cache: "login.windows.net",
      aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
    });
    expect(emulator.handle.state.log.counts().instanceDiscovery?.byStatus).toEqual({ 200: 1 });
  });

  it("names the path's tenant without an authorization_endpoint, and serves the tenant path too", async () => {
    const response = await discover(`/${devDefaults.tenantId}/discovery/instance?api-version=1.1`);
    expect(response.status).toBe(200);
    expect((response.json as { tenant_discovery_endpoint: string }).tenant_discovery_endpoint).toContain(
      `/${devDefaults.tenantId}/v2.0/`,
    );
  });

  it("the document it names is served", async () => {
    const response = await discover(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize("login.microsoftonline.com", devDefaults.tenantId)}`,
    );
    const next = new URL((response.json as { tenant_discovery_endpoint: string }).tenant_discovery_endpoint);
    const document = await discover(next.pathname);
    expect(document.status).toBe(200);
    expect(document.json).toMatchObject({
      issuer: `https://login.microsoftonline.com/${devDefaults.tenantId}/v2.0`,
    });
  });

  it("refuses an authority on an unknown host with invalid_instance (AADSTS50049)", async () => {
    const response = await discover(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize("login.example.com", "t")}`,
    );
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: "invalid_instance", error_codes: [50049] });
  });
});
