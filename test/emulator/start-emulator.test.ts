// End to end: the unmodified @azure/keyvault-keys and @azure/identity (DefaultAzureCredential) in a
// child process configured only by the env file the emulator wrote.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { devDefaults, parseEmulatorConfig, startEmulator } from "../../src/emulator/index.ts";
import { useEmulator } from "../helpers/emulator.ts";

const emulator = useEmulator();
const plaintext = "envelope data-encryption key material";

describe("startEmulator with the unmodified Azure SDKs", { timeout: 60_000 }, () => {
  it("creates an oct-HSM key and round-trips A256GCM with and without AAD", async () => {
    const result = (await emulator.runSdk("roundtrip", "roundtrip-key")) as Record<string, unknown>;
    expect(result).toMatchObject({
      keyType: "oct-HSM",
      ciphertextLength: plaintext.length,
      ivLength: 12,
      tagLength: 16,
      aadEchoedWithout: false,
      decrypted: plaintext,
      aadEchoed: "spirl:tenant-a",
      openedWithAad: plaintext,
      wrongAad: { error: { name: "RestError", statusCode: 400, code: "BadParameter" } },
    });
    expect(result.encryptKid).toBe(result.keyId);
    expect(result.keyId).toMatch(
      /^https:\/\/localhsm\.managedhsm\.azure\.net\/keys\/roundtrip-key\/[0-9a-f]{32}$/,
    );
  });

  it("decrypts old ciphertext with the old version after a rotation", async () => {
    const result = (await emulator.runSdk("rotate", "rotated-key")) as Record<string, string | string[]>;
    expect(result.rotatedVersion).not.toBe(result.firstVersion);
    expect(result.oldKid).toMatch(new RegExp(`/${result.firstVersion}$`));
    expect(result.latestKid).toMatch(new RegExp(`/${result.rotatedVersion}$`));
    expect(result.decrypted).toBe(plaintext);
    expect(result.versions).toEqual([result.firstVersion, result.rotatedVersion].sort());
  });

  it("answers 403 AccessDenied naming the action when the role lacks encrypt", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/wrap-only");
    const officer = "0d0d0d0d-0000-4000-8000-00000000000d";
    const { handle } = emulator;
    handle.state.roles.removePrincipal(devDefaults.objectId);
    handle.state.roles.add({
      hsm: "localhsm",
      principalId: devDefaults.objectId,
      role: "Managed HSM Crypto Service Encryption User",
    });
    handle.state.roles.add({ hsm: "localhsm", principalId: officer, role: "Managed HSM Crypto User" });
    try {
      expect(await emulator.runSdk("encrypt", "wrap-only")).toMatchObject({
        error: {
          name: "RestError",
          statusCode: 403,
          code: "AccessDenied",
          message: expect.stringMatching(
            /^Not authorized to access Microsoft\.KeyVault\/managedHsm\/keys\/encrypt\/action on '\/keys\/wrap-only' \(Activity ID: [0-9a-f-]{36}\)$/,
          ),
        },
      });
    } finally {
      handle.state.roles.removePrincipal(devDefaults.objectId);
      handle.state.roles.add({
        hsm: "localhsm",
        principalId: devDefaults.objectId,
        role: "Managed HSM Crypto User",
      });
    }
  });

  it("fails authentication for an expired federated assertion", async () => {
    const expired = emulator.handle.mintAssertion({ subject: devDefaults.subject, lifetimeSeconds: -120 });
    const tokenFile = await emulator.scratchFile("expired-token", expired);
    const result = (await emulator.runSdk("encrypt", "any", { AZURE_FEDERATED_TOKEN_FILE: tokenFile })) as {
      error: { name: string; message: string };
    };
    expect(result.error.name).toMatch(/AuthenticationError|AuthenticationRequiredError/);
    expect(result.error.message).toContain("AADSTS700024");
  });

  it("fails authentication for an assertion signed by a key the issuer never published", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = emulator.handle.mintAssertion({ subject: devDefaults.subject, signingKey: privateKey });
    const tokenFile = await emulator.scratchFile("forged-token", forged);
    const result = (await emulator.runSdk("encrypt", "any", { AZURE_FEDERATED_TOKEN_FILE: tokenFile })) as {
      error: { message: string };
    };
    expect(result.error.message).toContain("AADSTS700027");
  });

  it("refuses encrypt with a disabled key (403 Forbidden from the service)", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/disabled-key", { enabled: false });
    expect(await emulator.runSdk("encrypt", "disabled-key")).toMatchObject({
      error: { statusCode: 403, code: "Forbidden", message: expect.stringContaining("disabled key") },
    });
  });

  it("refuses encrypt once the emulator clock passes the key's exp", async () => {
    const exp = emulator.handle.state.clock.nowSeconds() + 3600;
    await emulator.admin("POST", "/hsms/localhsm/keys/expiring-key", { exp });
    expect(await emulator.runSdk("encrypt", "expiring-key")).toMatchObject({ kid: expect.any(String) });
    // The SDK checks `exp` against the real clock, so only the service can refuse here.
    await emulator.admin("POST", "/clock", { advanceSeconds: 7200 });
    try {
      expect(await emulator.runSdk("encrypt", "expiring-key")).toMatchObject({
        error: { statusCode: 403, code: "Forbidden", message: expect.stringContaining("expired key") },
      });
    } finally {
      await emulator.admin("POST", "/clock", { advanceSeconds: -7200 });
    }
  });

  it("reports an expired key through the SDK's own check of exp", async () => {
    const exp = emulator.handle.state.clock.nowSeconds() - 60;
    await emulator.admin("POST", "/hsms/localhsm/keys/expired-key", { exp });
    expect(await emulator.runSdk("encrypt", "expired-key")).toMatchObject({
      error: { message: expect.stringContaining("expired") },
    });
  });

  it("refuses encrypt when key_ops lacks encrypt", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/decrypt-only", { keyOps: ["decrypt"] });
    expect(await emulator.runSdk("encrypt", "decrypt-only")).toMatchObject({
      error: { message: expect.stringContaining("Operation encrypt is not supported") },
    });
  });

  it("retries a 429 with Retry-After and then succeeds", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/throttled-key");
    await emulator.admin("POST", "/faults", {
      kind: "throttle",
      operation: "encrypt",
      count: 2,
      retryAfterSeconds: 1,
    });
    emulator.handle.state.log.clear();
    const started = Date.now();
    expect(await emulator.runSdk("encrypt", "throttled-key")).toMatchObject({ kid: expect.any(String) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(emulator.handle.state.log.counts().encrypt).toEqual({ total: 3, byStatus: { 429: 2, 200: 1 } });
  });
});

describe("startEmulator", () => {
  // Start time is measured by scripts/bench-emulator.ts, not asserted here.
  it("close() frees its ports for a new emulator", async () => {
    const emulator = await startEmulator();
    await emulator.close();
    const proxy = new URL(emulator.proxyUrl);
    const again = await startEmulator({ port: Number(proxy.port) });
    expect(again.proxyUrl).toBe(emulator.proxyUrl);
    await again.close();
  });

  it("refuses a configured key the HSM would refuse, as CONFIG_INVALID naming the key", async () => {
    const config = parseEmulatorConfig(
      "hsms:\n  - name: localhsm\n    keys:\n      - name: odd\n        keySize: 100\n",
      "e.yaml",
    );
    await expect(startEmulator({ config })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: "hsms.localhsm.keys.odd: Invalid key size 100 for oct-HSM; expected 128, 192 or 256",
    });
  });

  it("refuses a taken port with LISTEN_FAILED", async () => {
    const first = await startEmulator();
    try {
      await expect(startEmulator({ port: Number(new URL(first.proxyUrl).port) })).rejects.toMatchObject({
        code: "LISTEN_FAILED",
      });
    } finally {
      await first.close();
    }
  });
});
