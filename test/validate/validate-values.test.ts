import { describe, expect, it } from "vitest";
import { validateValues } from "../../src/validate/index.ts";

const good = {
  azure: { keyVault: { url: "https://my-managed-hsm.managedhsm.azure.net/", keyName: "k", keyVersion: "" } },
  trustDomainServer: {
    image: { repository: "ghcr.io/spirl/trust-domain-server", tag: "", pullPolicy: "IfNotPresent" },
    trustDomain: "example.org",
    tokenAudience: "spirl-trust-domain-server",
    replicas: 1,
    port: 8443,
    tls: { secretName: "" },
    logFormat: "text",
    signingKeys: {
      jwtSvid: { lifetime: "7d", prePublish: "1d" },
      x509Svid: { lifetime: "30d", prePublish: "3d" },
    },
    resources: { requests: { cpu: "100m" } },
  },
  preflight: {
    image: { repository: "ghcr.io/spirl/spirl-keywrap", tag: "", pullPolicy: "IfNotPresent" },
    initContainer: { enabled: true },
    hook: { enabled: true, activeDeadlineSeconds: 240 },
    timeout: "60s",
    logFormat: "text",
    resources: {},
  },
  serviceAccount: { create: true, name: "", annotations: {}, workloadIdentity: { clientId: "" } },
};

function withKeyVault(keyVault: Record<string, unknown>) {
  return { ...good, azure: { keyVault: { ...good.azure.keyVault, ...keyVault } } };
}

describe("validateValues", () => {
  it("accepts the chart's documented example", () => {
    expect(validateValues(good)).toEqual([]);
  });

  it("refuses a hook deadline that does not exceed preflight.timeout, at the deadline's path", () => {
    const values = { ...good, preflight: { ...good.preflight, timeout: "240s" } };
    expect(validateValues(values)).toEqual([
      {
        code: "out-of-range",
        path: ["preflight", "hook", "activeDeadlineSeconds"],
        message:
          "must be more than preflight.timeout (240s); expected an integer from 30 to 3600, more than the seconds of preflight.timeout; got 240",
      },
    ]);
    expect(validateValues({ ...good, preflight: { ...good.preflight, timeout: "239s" } })).toEqual([]);
  });

  it("does not judge the deadline of a disabled hook (no Job is rendered)", () => {
    const hook = { enabled: false, activeDeadlineSeconds: 240 };
    expect(validateValues({ ...good, preflight: { ...good.preflight, hook, timeout: "600s" } })).toEqual([]);
  });

  // Every known URL mistake is recognised and explained, in the order the model lists them.
  it.each([
    [" https://my-hsm.managedhsm.azure.net/", "has leading or trailing whitespace; remove it"],
    ["", "is not set; set it to the URL of your Managed HSM"],
    [
      "https://my-vault.vault.azure.net/",
      "is a standard Key Vault URL; only Managed HSM is supported for key wrapping",
    ],
    [
      "https://my-hsm.managedhsm.azure.net/keys/k/0123",
      "is a key identifier; put the HSM URL here and the key name in azure.keyVault.keyName",
    ],
    ["http://my-hsm.managedhsm.azure.net/", "must use the https scheme"],
    ["https://u@my-hsm.managedhsm.azure.net/", "must not contain user info (user@ or user:password@)"],
    ["https://my-hsm.managedhsm.azure.net:443/", "must not contain a port"],
    ["https://my-hsm.managedhsm.azure.net/?x=1", "must not contain a query or a fragment"],
    ["https://my-hsm.managedhsm.azure.net/hsm", "must not contain a path other than /"],
    [
      "https://my-hsm.managedhsm.azure.net.evil.example/",
      "is not a Managed HSM host; the host must be <hsm-name>.managedhsm.azure.net in lowercase",
    ],
    [
      "https://1hsm.managedhsm.azure.net/",
      "has an invalid hsm-name; it must be 3-24 letters, digits and hyphens, start with a letter and end with a letter or digit",
    ],
  ])("url %j: %s", (url, what) => {
    const [finding] = validateValues(withKeyVault({ url }));
    expect(finding?.path).toEqual(["azure", "keyVault", "url"]);
    expect(finding?.code).toBe("invalid-format");
    expect(finding?.message).toBe(
      // User info is masked: it may hold a password.
      `${what}; expected https://<hsm-name>.managedhsm.azure.net/; got ${JSON.stringify(url.replace("//u@", "//***@"))}`,
    );
  });

  it("never prints a URL password, even one that contains @", () => {
    const [finding] = validateValues(
      withKeyVault({ url: "https://admin:s3cr@t!@my-hsm.managedhsm.azure.net/" }),
    );
    expect(finding?.message).toContain('got "https://***@my-hsm.managedhsm.azure.net/"');
    expect(finding?.message).not.toContain("t!");
  });

  it.each([
    ["latest", "is not a version id; omit keyVersion to use the latest version"],
    ["Current", "is not a version id; omit keyVersion to use the latest version"],
    ["0".repeat(33), "is longer than 32 characters"],
    ["a1b2-c3", "must contain only hexadecimal digits"],
  ])("keyVersion %j: %s", (keyVersion, what) => {
    expect(validateValues(withKeyVault({ keyVersion }))[0]?.message).toMatch(
      new RegExp(`^${what}; expected `),
    );
  });

  it("treats a missing keyVersion as the latest version", () => {
    const { keyVersion: _, ...keyVault } = good.azure.keyVault;
    expect(validateValues({ ...good, azure: { keyVault } })).toEqual([]);
  });

  it("suggests the key a typo meant", () => {
    const [finding] = validateValues(withKeyVault({ keyVerison: "a1" }));
    expect(finding).toEqual({
      code: "unknown-key",
      path: ["azure", "keyVault", "keyVerison"],
      message:
        'is not a known key; expected one of url, keyName, keyVersion; got "keyVerison"; did you mean keyVersion?',
    });
  });

  it("has no field for a client secret", () => {
    expect(validateValues(withKeyVault({ clientSecret: "x" }))[0]?.code).toBe("unknown-key");
  });

  it("reports every problem, not just the first", () => {
    const findings = validateValues(withKeyVault({ url: "http://x", keyName: 5, keyVersion: "latest" }));
    expect(findings.map((finding) => finding.code)).toEqual([
      "invalid-format",
      "wrong-type",
      "invalid-format",
    ]);
  });

  it.each([
    ["tab\there", '"tab\\there"'],
    ['quote"and\\', '"quote\\"and\\\\"'],
    ["\u00a0nbsp", '"\\u00a0nbsp"'],
    ["bell\u0007del\u007f", '"bell\\adel\\x7f"'],
    ["émoji 😀", '"émoji 😀"'],
  ])("quotes %j as Go's %%q does (the template checks print it that way)", (value, quoted) => {
    const message = validateValues(withKeyVault({ keyName: value }))[0]?.message ?? "";
    expect(message.endsWith(`; got ${quoted}`), message).toBe(true);
  });

  it("keeps global open", () => {
    expect(validateValues({ ...good, global: { anything: { at: ["all"] } } })).toEqual([]);
  });

  it.each([
    ["__proto__", 5, ["serviceAccount", "annotations", "__proto__"]],
    ["constructor", 5, ["serviceAccount", "annotations", "constructor"]],
  ])("judges a %s annotation like any other key (Zod's record skips __proto__)", (key, value, path) => {
    const annotations = Object.defineProperty({}, key, { value, enumerable: true });
    const findings = validateValues({ ...good, serviceAccount: { ...good.serviceAccount, annotations } });
    expect(findings.map((finding) => [finding.code, finding.path])).toEqual([["wrong-type", path]]);
    const valid = Object.defineProperty({}, key, { value: "x", enumerable: true });
    expect(
      validateValues({ ...good, serviceAccount: { ...good.serviceAccount, annotations: valid } }),
    ).toEqual([]);
  });

  it("reports an unknown __proto__ key by its name", () => {
    const values = Object.defineProperty({ ...good }, "__proto__", { value: 1, enumerable: true });
    expect(validateValues(values).map((finding) => finding.path)).toEqual([["__proto__"]]);
  });
});
