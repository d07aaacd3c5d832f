import { describe, expect, it } from "vitest";
import { describeProxy, proxySetting, usesProxy } from "../../src/hsm/index.ts";

describe("proxySetting", () => {
  it("reads the variables in the Azure SDK's order, upper case first", () => {
    expect(proxySetting({ HTTP_PROXY: "http://a:1", https_proxy: "http://b:2" })?.variable).toBe(
      "https_proxy",
    );
    expect(proxySetting({ HTTPS_PROXY: "http://a:1", https_proxy: "http://b:2" })?.variable).toBe(
      "HTTPS_PROXY",
    );
    expect(proxySetting({ ALL_PROXY: "http://a:1", HTTP_PROXY: "http://b:2" })?.variable).toBe("ALL_PROXY");
    expect(proxySetting({ HTTPS_PROXY: "" })).toBeUndefined();
  });

  it("keeps a value that is not a URL as such, and never shows credentials", () => {
    expect(proxySetting({ HTTPS_PROXY: "garbage" })).toEqual({ variable: "HTTPS_PROXY", url: undefined });
    const setting = proxySetting({ HTTPS_PROXY: "http://user:hunter2@proxy.example:3128" });
    expect(setting && describeProxy(setting)).toBe("HTTPS_PROXY (http://proxy.example:3128)");
  });
});

describe("usesProxy", () => {
  it("is false without a proxy and for hosts NO_PROXY exempts, as the SDK matches them", () => {
    const env = { HTTPS_PROXY: "http://proxy:3128", NO_PROXY: "login.microsoftonline.com, .azure.net" };
    expect(usesProxy("my-hsm.managedhsm.azure.net", {})).toBe(false);
    expect(usesProxy("login.microsoftonline.com", env)).toBe(false);
    expect(usesProxy("my-hsm.managedhsm.azure.net", env)).toBe(false);
    expect(usesProxy("azure.net", env)).toBe(false);
    expect(usesProxy("example.com", env)).toBe(true);
  });
});
