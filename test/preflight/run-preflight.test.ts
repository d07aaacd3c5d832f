// `spirl-keywrap preflight` end to end: a child process configured only through the environment (the
// emulator's env file plus the SPIRL_KEYWRAP_* variables the chart sets), the unmodified Azure SDKs, the emulator.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { devDefaults, emulatorConfigSchema } from "../../src/emulator/index.ts";
import { type FailureCode, failureCatalogue } from "../../src/preflight/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import {
  callCounts,
  createTestKey,
  emulatorHsmUrl,
  expectFailureCode,
  expectNoSecrets,
  type failureOf,
  type PreflightRun,
  runPreflightCli,
} from "../helpers/preflight.ts";

const wrapOnly = {
  clientId: "e1e1e1e1-0000-4000-8000-0000000000a1",
  objectId: "e1e1e1e1-0000-4000-8000-0000000000a2",
  subject: "system:serviceaccount:default:wrap-only",
};

const emulator = useEmulator({
  config: emulatorConfigSchema.parse({
    clients: [
      {
        clientId: devDefaults.clientId,
        objectId: devDefaults.objectId,
        federatedCredentials: [{ issuer: "dev", subject: devDefaults.subject }],
      },
      {
        clientId: wrapOnly.clientId,
        objectId: wrapOnly.objectId,
        federatedCredentials: [{ issuer: "dev", subject: wrapOnly.subject }],
      },
    ],
    roleAssignments: [
      { principalId: devDefaults.objectId, role: "Managed HSM Crypto User", scope: "/" },
      // Read plus wrap/unwrap, but not encrypt/decrypt: a plausible wrong choice of built-in role.
      { principalId: wrapOnly.objectId, role: "Managed HSM Crypto Service Encryption User", scope: "/" },
    ],
  }),
});

const now = () => Math.floor(Date.now() / 1000);
let secrets: string[] = [];

beforeAll(async () => {
  const env = await readFile(emulator.envFile, "utf8");
  const tokenFile = /^AZURE_FEDERATED_TOKEN_FILE=(.*)$/m.exec(env)?.[1] ?? "";
  secrets = [(await readFile(tokenFile, "utf8")).trim(), await emulator.accessToken()];
});

/** Asserts the classified failure: code, exit status, the fix text, and that nothing secret leaked. */
function expectFailure(
  run: PreflightRun,
  code: FailureCode,
  fixIncludes: string,
): ReturnType<typeof failureOf> {
  const failure = expectFailureCode(run, code);
  expect(failure.fix).toContain(fixIncludes);
  expectNoSecrets(run, secrets);
  return failure;
}

async function tokenFileFor(subject: string, name: string): Promise<string> {
  return emulator.scratchFile(name, emulator.handle.mintAssertion({ subject }));
}

describe.concurrent("spirl-keywrap preflight", { timeout: 60_000 }, () => {
  it("passes on a good key: the exact product log line, one summary line, six HSM requests", async () => {
    const version = await createTestKey(emulator, "good-key");
    const url = await emulatorHsmUrl(emulator);
    const run = await runPreflightCli(emulator, { keyName: "good-key" });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe(`Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=good-key`);
    const summaries = lines.filter((line) => line.startsWith("Preflight passed"));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(
      new RegExp(
        `keyVersion=${version} kid=${url}keys/good-key/${version} totalMs=\\d+ tokenMs=\\d+ getKeyMs=\\d+ encryptMs=\\d+ decryptMs=\\d+ negativeMs=\\d+$`,
      ),
    );
    // getKey, encrypt, decrypt, negative decrypt, plus one challenge round trip for the HSM (the crypto
    // client is handed the key client's challenge; each pipeline still asks the credential, from its cache).
    expect(callCounts(run)).toEqual({
      hsmCalls: 5,
      challenge: 1,
      getKey: 1,
      encrypt: 1,
      decrypt: 2,
      tokenRequests: 2,
    });
    expectNoSecrets(run, secrets);
  });

  it("logs keyVersion= when a version is pinned and checks that version", async () => {
    const version = await createTestKey(emulator, "pinned-key");
    const url = await emulatorHsmUrl(emulator);
    const run = await runPreflightCli(emulator, { keyName: "pinned-key", keyVersion: version });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(
      `Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=pinned-key keyVersion=${version}`,
    );
    expect(run.stdout).toContain(`keyVersion=${version} kid=${url}keys/pinned-key/${version}`);
  });

  it("writes JSON lines with --log-format json, the start line as msg", async () => {
    await createTestKey(emulator, "json-key");
    const url = await emulatorHsmUrl(emulator);
    const run = await runPreflightCli(emulator, {
      keyName: "json-key",
      env: { SPIRL_KEYWRAP_LOG_FORMAT: "json" },
    });
    expect(run.exitCode).toBe(0);
    const records = run.stdout.split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({
      level: "info",
      msg: `Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=json-key`,
      keyVaultURL: url,
      keyName: "json-key",
    });
    expect(records.find((record) => record.level === "debug")).toMatchObject({ hsmCalls: 5 });
    expect(records.at(-1)).toMatchObject({
      level: "info",
      keyVersion: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it("CONFIG_INVALID: a key name the values model rejects, before any network call", async () => {
    const run = await runPreflightCli(emulator, { keyName: "bad_name!" });
    const failure = expectFailure(run, "CONFIG_INVALID", "spirl-keywrap validate");
    expect(failure.message).toContain("azure.keyVault.keyName (--key-name or SPIRL_KEYWRAP_AZURE_KEY_NAME)");
    expect(failure.message).toContain("must contain only letters, digits and hyphens");
    expect(run.stdout).toBe("");
  });

  it("CONFIG_INVALID: a timeout that is not a duration", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "soon" },
    });
    expectFailure(run, "CONFIG_INVALID", "SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT");
  });

  it("URL_NOT_MANAGED_HSM: a standard Key Vault URL", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      url: "https://localhsm.vault.azure.net/",
    });
    const failure = expectFailure(run, "URL_NOT_MANAGED_HSM", "https://<hsm-name>.managedhsm.azure.net/");
    expect(failure.message).toContain("is a standard Key Vault URL; only Managed HSM is supported");
  });

  // No proxy: the pod dials the HSM itself, and a name that does not resolve fails at once (no retries).
  it("HSM_UNREACHABLE: the HSM's name does not resolve", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      url: "https://nx-preflight-test.managedhsm.azure.net/",
      env: { HTTPS_PROXY: undefined },
    });
    const failure = expectFailure(run, "HSM_UNREACHABLE", "port 443");
    expect(failure.message).toContain("could not reach nx-preflight-test.managedhsm.azure.net (ENOTFOUND)");
  });

  it("PROXY: HTTPS_PROXY is not a URL, found before any client is built, its value never echoed", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { HTTPS_PROXY: "garbage-with-secret" },
    });
    const failure = expectFailure(run, "PROXY", "HTTPS_PROXY");
    expect(failure.message).toBe(
      "HTTPS_PROXY is not a URL; expected http://<host>:<port> (the value is not shown: it may hold a password)",
    );
    expect(run.stderr).not.toContain("garbage-with-secret");
    expect(run.stdout).not.toContain("debug: hsmCalls");
  });

  it("PROXY: the proxy refuses connections, named at once without retrying until the deadline", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { HTTPS_PROXY: "http://user:pw@127.0.0.1:1", SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "60s" },
    });
    const failure = expectFailure(run, "PROXY", "NO_PROXY");
    expect(failure.message).toBe(
      "getKey: the proxy HTTPS_PROXY (http://127.0.0.1:1) could not be reached (ECONNREFUSED)",
    );
    // One connection attempt, no retries: the summary counts no HSM answer, and no deadline was reached.
    expect(callCounts(run)).toMatchObject({ hsmCalls: 0 });
    expect(run.stderr).not.toContain("did not succeed within");
  });

  it("PROXY, not TLS_FAILED: an https:// proxy URL for a proxy that speaks plain HTTP", async () => {
    const proxy = new URL(emulator.handle.proxyUrl);
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { HTTPS_PROXY: `https://${proxy.host}` },
    });
    const failure = expectFailure(run, "PROXY", "HTTPS_PROXY");
    expect(failure.message).toBe(
      `getKey: the proxy HTTPS_PROXY (https://${proxy.host}) does not speak TLS (an https:// proxy URL for a plain http:// proxy?)`,
    );
  });

  it("PROXY: the proxy's host name does not resolve", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { HTTPS_PROXY: "http://nx-proxy.invalid:3128" },
    });
    const failure = expectFailure(run, "PROXY", "HTTPS_PROXY");
    expect(failure.message).toContain("could not be reached (ENOTFOUND)");
  });

  it("TLS_FAILED: the HSM's certificate is not trusted", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { NODE_EXTRA_CA_CERTS: undefined },
    });
    const failure = expectFailure(run, "TLS_FAILED", "never disable verification");
    expect(failure.message).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("WORKLOAD_IDENTITY_MISSING: no AZURE_CLIENT_ID in the pod", async () => {
    const run = await runPreflightCli(emulator, { keyName: "good-key", env: { AZURE_CLIENT_ID: undefined } });
    const failure = expectFailure(run, "WORKLOAD_IDENTITY_MISSING", 'azure.workload.identity/use: "true"');
    expect(failure.message).toContain("AZURE_CLIENT_ID is not set");
  });

  it("WORKLOAD_IDENTITY_MISSING: the projected token file is not there", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token" },
    });
    const failure = expectFailure(
      run,
      "WORKLOAD_IDENTITY_MISSING",
      "serviceAccount.workloadIdentity.clientId",
    );
    expect(failure.message).toBe(
      "AZURE_FEDERATED_TOKEN_FILE /var/run/secrets/azure/tokens/azure-identity-token cannot be read (ENOENT)",
    );
  });

  it("WORKLOAD_IDENTITY_MISSING: the projected token file is a directory", async () => {
    const dir = emulator.envFile.slice(0, emulator.envFile.lastIndexOf("/"));
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { AZURE_FEDERATED_TOKEN_FILE: dir },
    });
    const failure = expectFailure(
      run,
      "WORKLOAD_IDENTITY_MISSING",
      "serviceAccount.workloadIdentity.clientId",
    );
    expect(failure.message).toBe(
      `AZURE_FEDERATED_TOKEN_FILE ${dir} is a directory; expected the projected service-account token file`,
    );
  });

  // The Azure SDK refuses a mistyped credential selector before any request; its own words say what is valid.
  it("WORKLOAD_IDENTITY_MISSING: an AZURE_TOKEN_CREDENTIALS value the Azure SDK does not know", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { AZURE_TOKEN_CREDENTIALS: "WorkloadIdentity\u001b[2J" },
    });
    const failure = expectFailure(run, "WORKLOAD_IDENTITY_MISSING", "set it to WorkloadIdentityCredential");
    expect(failure.message).toMatch(
      /^identity: Invalid value for AZURE_TOKEN_CREDENTIALS = WorkloadIdentity\\x1b\[2J\. Valid values are /,
    );
    // The escape sequence came from the environment: it is printed escaped, never raw.
    expect(run.stderr).not.toContain("\u001b");
    expect(run.stderr).not.toContain("x-ms-request-id");
  });

  it("writes a failure as one JSON object with code, exit code, fix and x-ms-request-id", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "json-missing-key",
      args: ["--log-format", "json"],
    });
    expect(run.exitCode).toBe(failureCatalogue.KEY_NOT_FOUND.exitCode);
    const records = run.stderr.split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: "error",
      code: "KEY_NOT_FOUND",
      exitCode: failureCatalogue.KEY_NOT_FOUND.exitCode,
      meaning: failureCatalogue.KEY_NOT_FOUND.meaning,
      fix: expect.stringContaining("--name json-missing-key"),
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expectNoSecrets(run, secrets);
  });

  it("TOKEN_REJECTED: AADSTS700213, the federated credential's subject does not match", async () => {
    const tokenFile = await tokenFileFor("system:serviceaccount:other-namespace:other", "wrong-subject.jwt");
    const forged = (await readFile(tokenFile, "utf8")).trim();
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { AZURE_FEDERATED_TOKEN_FILE: tokenFile },
    });
    const failure = expectFailure(
      run,
      "TOKEN_REJECTED",
      "system:serviceaccount:<release namespace>:<service account name>",
    );
    expect(failure.message).toContain("AADSTS700213 (federated credential subject mismatch");
    expect(failure.message).toContain("system:serviceaccount:other-namespace:other");
    expectNoSecrets(run, [forged]);
  });

  it("TENANT_MISMATCH: AZURE_TENANT_ID is not the HSM's tenant", async () => {
    const run = await runPreflightCli(emulator, {
      keyName: "good-key",
      env: { AZURE_TENANT_ID: "0badc0de-0000-4000-8000-000000000000" },
    });
    const failure = expectFailure(run, "TENANT_MISMATCH", "AZURE_TENANT_ID");
    expect(failure.message).toContain(
      `belongs to tenant ${devDefaults.tenantId}, but AZURE_TENANT_ID is 0badc0de`,
    );
  });

  it("HSM_FORBIDDEN: names the missing data action, the role and the az command", async () => {
    await createTestKey(emulator, "forbidden-key");
    const tokenFile = await tokenFileFor(wrapOnly.subject, "wrap-only.jwt");
    const run = await runPreflightCli(emulator, {
      keyName: "forbidden-key",
      env: { AZURE_CLIENT_ID: wrapOnly.clientId, AZURE_FEDERATED_TOKEN_FILE: tokenFile },
    });
    const failure = expectFailure(
      run,
      "HSM_FORBIDDEN",
      `az keyvault role assignment create --assignee-object-id $(az ad sp show --id ${wrapOnly.clientId} --query id -o tsv) --assignee-principal-type ServicePrincipal --hsm-name localhsm --role "Managed HSM Crypto User" --scope "/"`,
    );
    expect(failure.message).toContain("Microsoft.KeyVault/managedHsm/keys/encrypt/action");
    expect(failure.fix).toContain('Assign the role "Managed HSM Crypto User"');
    expect(run.stderr).toMatch(/x-ms-request-id=[0-9a-f-]{36}/);
  });

  it("KEY_NOT_FOUND: no key with that name", async () => {
    const run = await runPreflightCli(emulator, { keyName: "no-such-key" });
    const failure = expectFailure(
      run,
      "KEY_NOT_FOUND",
      "az keyvault key create --hsm-name localhsm --name no-such-key",
    );
    expect(failure.message).toContain("key 'no-such-key' was not found in localhsm");
    expect(run.stderr).toMatch(/x-ms-request-id=[0-9a-f-]{36}/);
  });

  it("KEY_VERSION_NOT_FOUND: the pinned version does not exist, and the latest is named", async () => {
    const latest = await createTestKey(emulator, "versioned-key");
    const run = await runPreflightCli(emulator, {
      keyName: "versioned-key",
      keyVersion: "0123456789abcdef0123456789abcdef",
    });
    const failure = expectFailure(
      run,
      "KEY_VERSION_NOT_FOUND",
      "az keyvault key list-versions --hsm-name localhsm --name versioned-key",
    );
    expect(failure.message).toBe(
      `key 'versioned-key' has no version 0123456789abcdef0123456789abcdef; its latest version is ${latest}`,
    );
  });

  it("KEY_WRONG_TYPE: an RSA-HSM key", async () => {
    await createTestKey(emulator, "rsa-key", { kty: "RSA-HSM", keySize: 2048 });
    const failure = expectFailure(
      await runPreflightCli(emulator, { keyName: "rsa-key" }),
      "KEY_WRONG_TYPE",
      "--kty oct --size 256",
    );
    expect(failure.message).toContain("has kty RSA-HSM; expected oct-HSM");
  });

  it("KEY_WRONG_TYPE: a 128-bit AES key", async () => {
    await createTestKey(emulator, "aes128-key", { kty: "oct-HSM", keySize: 128 });
    const failure = expectFailure(
      await runPreflightCli(emulator, { keyName: "aes128-key" }),
      "KEY_WRONG_TYPE",
      "256-bit",
    );
    expect(failure.message).toContain("is 128 bits; expected 256");
  });

  it("KEY_OPERATION_NOT_PERMITTED: key_ops without encrypt and decrypt", async () => {
    await createTestKey(emulator, "wrap-only-key", { keyOps: ["wrapKey", "unwrapKey"] });
    const run = await runPreflightCli(emulator, { keyName: "wrap-only-key" });
    const failure = expectFailure(run, "KEY_OPERATION_NOT_PERMITTED", "--ops encrypt decrypt");
    expect(failure.message).toContain(
      "does not permit encrypt and decrypt; its key_ops are [wrapKey, unwrapKey]",
    );
  });

  it("KEY_DISABLED: the key version is disabled", async () => {
    await createTestKey(emulator, "disabled-key", { enabled: false });
    const run = await runPreflightCli(emulator, { keyName: "disabled-key" });
    const failure = expectFailure(run, "KEY_DISABLED", "--name disabled-key --enabled true");
    expect(failure.message).toMatch(/^key 'disabled-key' version [0-9a-f]{32} is disabled$/);
  });

  it("KEY_NOT_YET_VALID: nbf is in the future", async () => {
    await createTestKey(emulator, "future-key", { nbf: now() + 3600 });
    const failure = expectFailure(
      await runPreflightCli(emulator, { keyName: "future-key" }),
      "KEY_NOT_YET_VALID",
      "--not-before",
    );
    expect(failure.message).toContain("is not valid before");
  });

  it("KEY_EXPIRED: exp has passed", async () => {
    await createTestKey(emulator, "expired-key", { exp: now() - 60 });
    const failure = expectFailure(
      await runPreflightCli(emulator, { keyName: "expired-key" }),
      "KEY_EXPIRED",
      "--expires",
    );
    expect(failure.message).toContain("expired at");
  });
});
