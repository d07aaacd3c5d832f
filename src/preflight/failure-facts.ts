import { parseManagedHsmUrl } from "../config/managed-hsm-url.ts";
import { isHsmClientError, responseHeaderOf } from "../hsm/index.ts";
import type { FailureCode } from "./failure-catalogue.ts";
import type { PreflightConfig } from "./preflight-config.ts";
import { PreflightError } from "./preflight-error.ts";
import { oneLine } from "./redact-secrets.ts";

/** What the classifier needs to word a fix: the configured key and the identity in use. */
export interface FailureContext {
  readonly config: PreflightConfig;
  /** `AZURE_CLIENT_ID`, to name the identity that needs a role. */
  readonly clientId?: string | undefined;
  /** `AZURE_TENANT_ID`, to compare with the tenant the HSM names. */
  readonly tenantId?: string | undefined;
  /** The step that failed: `proxy`, `identity`, `getKey`, `encrypt`, `decrypt`, `negative`. */
  readonly step: string;
  /** Where the proxy variables are read. Default `process.env`, which is what the Azure SDK reads. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** A token request was still running when the run failed. Default false. */
  readonly waitingForToken?: boolean | undefined;
}

/** The context plus what every classifier derives from it, and the one way to make a failure. */
export interface FailureFacts extends FailureContext {
  /** The error being classified (the head of the chain). */
  readonly error: unknown;
  readonly env: NodeJS.ProcessEnv;
  /** The HSM's name, for fixes: `my-hsm`. */
  readonly hsm: string;
  /** The HSM's host, for messages: `my-hsm.managedhsm.azure.net`. */
  readonly host: string;
  /** A classified failure with a one-line message (and fix), the request id found, and the error as cause. */
  make(code: FailureCode, message: string, fix?: string): PreflightError;
}

/**
 * One small rule: a failure when it recognises the error chain (the error, its causes and aggregate
 * members, depth first), undefined to let the next rule try.
 */
export type Classifier = (chain: readonly unknown[], facts: FailureFacts) => PreflightError | undefined;

function requestIdIn(chain: readonly unknown[]): string | undefined {
  for (const link of chain) {
    const id =
      responseHeaderOf(link, "x-ms-request-id") ?? (isHsmClientError(link) ? link.requestId : undefined);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The facts about `error` that the classifiers share. */
export function failureFacts(
  error: unknown,
  chain: readonly unknown[],
  context: FailureContext,
): FailureFacts {
  const parsed = parseManagedHsmUrl(context.config.url);
  const requestId = requestIdIn(chain);
  return {
    ...context,
    error,
    env: context.env ?? process.env,
    hsm: parsed?.name ?? "<hsm-name>",
    host: parsed?.host ?? context.config.url,
    make: (code, message, fix) =>
      new PreflightError(oneLine(message, 500), {
        code,
        ...(fix !== undefined && { fix: oneLine(fix, 400) }),
        requestId,
        cause: error,
      }),
  };
}
