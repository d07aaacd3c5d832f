// The preflight judges its input with the chart's values model: same rules, same words as `validate`.
import { describe, expect, it } from "vitest";
import { isPreflightError, validatePreflightConfig } from "../../src/preflight/index.ts";

function judge(input: Parameters<typeof validatePreflightConfig>[0]) {
  try {
    return { config: validatePreflightConfig(input) };
  } catch (error) {
    if (!isPreflightError(error)) throw error;
    return { code: error.code, message: error.message };
  }
}

const url = "https://my-managed-hsm.managedhsm.azure.net/";

describe("validatePreflightConfig", () => {
  it("accepts the product doc's values, with and without a pinned version", () => {
    expect(judge({ url, keyName: "defakto-wrapping-key" })).toEqual({
      config: { url, keyName: "defakto-wrapping-key" },
    });
    expect(judge({ url, keyName: "defakto-wrapping-key", keyVersion: "a1b2c3d4e5f6" })).toEqual({
      config: { url, keyName: "defakto-wrapping-key", keyVersion: "a1b2c3d4e5f6" },
    });
  });

  it("treats an empty key version (the chart's default) as the latest", () => {
    expect(judge({ url, keyName: "k", keyVersion: "" })).toEqual({ config: { url, keyName: "k" } });
  });

  it("says which setting is missing and where it comes from", () => {
    expect(judge({ url, keyName: undefined })).toEqual({
      code: "CONFIG_INVALID",
      message: expect.stringMatching(
        /^azure\.keyVault\.keyName \(--key-name or SPIRL_KEYWRAP_AZURE_KEY_NAME\) is not set; set it to the name of the AES-256 key/,
      ),
    });
  });

  it("words a bad version as the values model does", () => {
    expect(judge({ url, keyName: "k", keyVersion: "latest" })).toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("is not a version id; omit keyVersion to use the latest version"),
    });
  });

  it("gives standard vaults and other hosts their own code", () => {
    expect(judge({ url: "https://my-vault.vault.azure.net/", keyName: "k" })).toMatchObject({
      code: "URL_NOT_MANAGED_HSM",
      message: expect.stringContaining("is a standard Key Vault URL"),
    });
    expect(judge({ url: "https://example.com/", keyName: "k" }).code).toBe("URL_NOT_MANAGED_HSM");
    expect(judge({ url: "http://my-hsm.managedhsm.azure.net/", keyName: "k" })).toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("must use the https scheme"),
    });
  });

  it("never echoes a password in a URL", () => {
    const result = judge({ url: "https://user:hunter2@my-hsm.managedhsm.azure.net/", keyName: "k" });
    expect(result.code).toBe("CONFIG_INVALID");
    expect(result.message).not.toContain("hunter2");
  });
});
