import { describe, expect, it } from "vitest";
import { isOutsideManagedHsm, parseManagedHsmUrl } from "../../src/config/managed-hsm-url.ts";
import { spirlSystemValues } from "../../src/config/values-model.ts";

const urlRule = spirlSystemValues.shape.azure.shape.keyVault.shape.url;

describe("parseManagedHsmUrl", () => {
  it("takes apart exactly the URLs the values model accepts", () => {
    const cases = [
      "https://my-hsm.managedhsm.azure.net/",
      "https://My-Hsm.managedhsm.azure.net",
      "https://my-hsm.managedhsm.azure.net/keys/k",
      "https://my.vault.azure.net/",
      "http://my-hsm.managedhsm.azure.net/",
      "https://ab.managedhsm.azure.net/",
      " https://my-hsm.managedhsm.azure.net/",
    ];
    for (const url of cases)
      expect(parseManagedHsmUrl(url) !== undefined, url).toBe(urlRule.safeParse(url).success);
  });

  it("gives the lowercase name and host", () => {
    expect(parseManagedHsmUrl("https://My-Hsm.managedhsm.azure.net")).toEqual({
      name: "my-hsm",
      host: "my-hsm.managedhsm.azure.net",
    });
  });
});

describe("isOutsideManagedHsm", () => {
  it("is true for https URLs of other services only", () => {
    expect(isOutsideManagedHsm("https://my.vault.azure.net/")).toBe(true);
    expect(isOutsideManagedHsm("https://example.com/")).toBe(true);
    expect(isOutsideManagedHsm("https://my-hsm.managedhsm.azure.net/keys/k")).toBe(false);
    expect(isOutsideManagedHsm("http://example.com/")).toBe(false);
    expect(isOutsideManagedHsm("not a url")).toBe(false);
  });
});
