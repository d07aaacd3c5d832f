import type { TokenCredential } from "@azure/identity";
import { printable } from "../errors/index.ts";
import { createWorkloadIdentityCredential } from "../hsm/index.ts";
import { PreflightError } from "./preflight-error.ts";

/**
 * How a preflight signs in: called in its `identity` step, so that what it throws is classified there.
 * May load what it needs on demand (the CLI's `DefaultAzureCredential` chain).
 */
export type SignIn = (env: NodeJS.ProcessEnv) => TokenCredential | Promise<TokenCredential>;

/**
 * Workload Identity only: what the image's programs (the preflight and the server) do. The product signs
 * in with Workload Identity and never with static secrets, so a pod whose `AZURE_TOKEN_CREDENTIALS` picks
 * another credential of the Azure SDK's chain (a client secret, the node's managed identity) is refused
 * with one line instead of being signed in another way. The `spirl-keywrap` CLI honours the variable.
 */
export const signInWithWorkloadIdentity: SignIn = (env) => {
  const chosen = env.AZURE_TOKEN_CREDENTIALS?.trim() ?? "";
  if (chosen !== "" && chosen.toLowerCase() !== "workloadidentitycredential")
    throw new PreflightError(
      `AZURE_TOKEN_CREDENTIALS=${printable(chosen.slice(0, 64))}${chosen.length > 64 ? "…" : ""} picks another credential; the image signs in with Workload Identity only (the spirl-keywrap CLI honours the variable)`,
      {
        code: "WORKLOAD_IDENTITY_MISSING",
        fix: "Remove AZURE_TOKEN_CREDENTIALS from the pod, or set it to WorkloadIdentityCredential.",
      },
    );
  return createWorkloadIdentityCredential(env);
};
