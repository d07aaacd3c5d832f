import { accessSync, constants, type Stats, statSync } from "node:fs";
import { PreflightError } from "./preflight-error.ts";

const variables = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"] as const;

/**
 * Checks the Workload Identity environment before any network call, so a pod without the webhook's
 * injection gets one line instead of the credential chain's aggregate. Skipped when the environment
 * explicitly chose another credential with `AZURE_TOKEN_CREDENTIALS`. Returns the client id. The token
 * file is checked for readability and size only: its content is never loaded here.
 */
export function checkWorkloadIdentity(env: NodeJS.ProcessEnv): { readonly clientId: string | undefined } {
  const chosen = env.AZURE_TOKEN_CREDENTIALS?.trim().toLowerCase();
  if (chosen !== undefined && chosen !== "" && chosen !== "workloadidentitycredential")
    return { clientId: env.AZURE_CLIENT_ID };
  const missing = variables.filter((name) => !env[name]);
  if (missing.length > 0)
    throw new PreflightError(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set: the Azure Workload Identity webhook did not inject this pod`,
      { code: "WORKLOAD_IDENTITY_MISSING" },
    );
  const file = env.AZURE_FEDERATED_TOKEN_FILE as string;
  let stats: Stats;
  try {
    accessSync(file, constants.R_OK);
    stats = statSync(file);
  } catch (error) {
    throw new PreflightError(
      `AZURE_FEDERATED_TOKEN_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      { code: "WORKLOAD_IDENTITY_MISSING" },
    );
  }
  // A directory passes the access check (EISDIR only comes on reading): the kubelet projects a file.
  if (!stats.isFile())
    throw new PreflightError(
      `AZURE_FEDERATED_TOKEN_FILE ${file} is ${stats.isDirectory() ? "a directory" : "not a regular file"}; expected the projected service-account token file`,
      { code: "WORKLOAD_IDENTITY_MISSING" },
    );
  if (stats.size === 0)
    throw new PreflightError(`AZURE_FEDERATED_TOKEN_FILE ${file} is empty`, {
      code: "WORKLOAD_IDENTITY_MISSING",
    });
  return { clientId: env.AZURE_CLIENT_ID };
}
