import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { KeyClient } from "@azure/keyvault-keys";
import { createDefaultCredential, ManagedHsmKeyClient, type RetryPolicy } from "../../src/hsm/index.ts";
import type { TestEmulator } from "./emulator.ts";

/**
 * A ManagedHsmKeyClient in this test process, talking to `emulator` through its proxy: the process trusts
 * the emulator's CA (what NODE_EXTRA_CA_CERTS does for a child) and takes its client environment. Call
 * inside tests or hooks, after the emulator started.
 */
export function hsmClientInProcess(
  emulator: TestEmulator,
  options: { readonly retry?: RetryPolicy; readonly defaultTimeoutMs?: number } = {},
): ManagedHsmKeyClient {
  useEmulatorEnvironment(emulator);
  return new ManagedHsmKeyClient({
    vaultUrl: emulatorVaultUrl(emulator),
    credential: createDefaultCredential({ workloadIdentityOnly: true }),
    ...options,
  });
}

/** The emulator's HSM URL with the trailing slash of the product doc. */
export function emulatorVaultUrl(emulator: TestEmulator): string {
  return `${emulator.handle.env.AZURE_KEYVAULT_URL}/`;
}

/** Makes this process an emulator client: trust its CA, take its proxy and Workload Identity variables. */
export function useEmulatorEnvironment(emulator: TestEmulator): void {
  const { env, caCertificate } = emulator.handle;
  const trusted = getCACertificates("default");
  if (!trusted.includes(caCertificate)) setDefaultCACertificates([...trusted, caCertificate]);
  for (const name of ["HTTPS_PROXY", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"])
    process.env[name] = env[name];
}

/** The unmodified SDK's KeyClient as the dev client (Crypto User): creates and rotates test keys. */
export function keyAdminInProcess(emulator: TestEmulator): KeyClient {
  useEmulatorEnvironment(emulator);
  return new KeyClient(emulatorVaultUrl(emulator), createDefaultCredential({ workloadIdentityOnly: true }), {
    retryOptions: { maxRetries: 0 },
  });
}
