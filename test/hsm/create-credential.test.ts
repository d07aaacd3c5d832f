// Workload Identity sign-in against the emulator's Entra ID, in this process: the projected token is read
// from its file for each token request, as the Workload Identity webhook's rotating token needs.
import { readFile } from "node:fs/promises";
import { CredentialUnavailableError } from "@azure/identity";
import { beforeAll, describe, expect, it } from "vitest";
import { createWorkloadIdentityCredential } from "../../src/hsm/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import { useEmulatorEnvironment } from "../helpers/hsm-in-process.ts";

const emulator = useEmulator();
let projected = "";
beforeAll(async () => {
  useEmulatorEnvironment(emulator);
  projected = await readFile(emulator.handle.env.AZURE_FEDERATED_TOKEN_FILE ?? "", "utf8");
});

/** The emulator's Workload Identity variables, with the token file replaced. */
const envWith = (tokenFile: string): NodeJS.ProcessEnv => ({
  ...emulator.handle.env,
  AZURE_FEDERATED_TOKEN_FILE: tokenFile,
});

interface LogEntry {
  readonly operation: string;
  readonly status: number;
}

const tokenRequests = async () =>
  ((await emulator.admin("GET", "/requests")).json as { entries: LogEntry[] }).entries.filter(
    (entry) => entry.operation === "token",
  ).length;

describe("createWorkloadIdentityCredential", { timeout: 30_000 }, () => {
  it("reads the projected token afresh for each token request", async () => {
    const file = await emulator.scratchFile("rotating-token", projected);
    const credential = createWorkloadIdentityCredential(envWith(file));
    const token = await credential.getToken("https://managedhsm.azure.net/.default");
    expect(token?.token).toMatch(/^eyJ/);
    // The file changes (the kubelet rotates it); the next request, for another resource so that no cached
    // access token answers it, carries the new content, which Entra refuses.
    await emulator.scratchFile("rotating-token", "not-a-service-account-token");
    await expect(credential.getToken("https://vault.azure.net/.default")).rejects.toThrow(/AADSTS/);
  });

  it("refuses an empty token file before asking Entra ID, in the identity library's words", async () => {
    const file = await emulator.scratchFile("empty-token", " \n");
    await emulator.admin("DELETE", "/requests");
    const failure = await createWorkloadIdentityCredential(envWith(file))
      .getToken("https://managedhsm.azure.net/.default")
      .catch((error: unknown) => error);
    // MSAL wraps what the assertion callback throws; the words stay, which the preflight's classifiers read.
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain(
      `WorkloadIdentityCredential: is unavailable. No content on the file ${file}.`,
    );
    expect(await tokenRequests()).toBe(0);
  });

  // The SDK reads AZURE_AUTHORITY_HOST from process.env itself; the preflight and the server pass their own.
  it("asks the authority host the given environment names", async () => {
    await emulator.admin("DELETE", "/requests");
    const env = { ...emulator.handle.env, AZURE_AUTHORITY_HOST: "https://login.authority.invalid" };
    expect(process.env.AZURE_AUTHORITY_HOST).toBeUndefined();
    await expect(
      createWorkloadIdentityCredential(env).getToken("https://managedhsm.azure.net/.default"),
    ).rejects.toThrow();
    // MSAL asks Entra's instance discovery about the unknown authority, which Entra refuses; no token request.
    const entries = ((await emulator.admin("GET", "/requests")).json as { entries: LogEntry[] }).entries;
    expect(entries.map((entry) => `${entry.operation}:${entry.status}`)).toEqual(["instanceDiscovery:400"]);
  });

  it.each(["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"])(
    "is unavailable without %s, naming it",
    (name) => {
      const env = { ...emulator.handle.env, [name]: "" };
      expect(() => createWorkloadIdentityCredential(env)).toThrow(
        new CredentialUnavailableError(`WorkloadIdentityCredential: is unavailable. ${name} is not set.`),
      );
    },
  );
});
