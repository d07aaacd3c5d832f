import { failureCatalogue } from "./failure-catalogue.ts";
import type { PreflightEvent } from "./preflight-event.ts";
import { oneLine, redactSecrets } from "./redact-secrets.ts";

/** How log lines are written: `text` for people, `json` (one object per line) for log pipelines. */
export type LogFormat = "text" | "json";

/** Severity; `debug` lines are written only when asked for. */
export type LogLevel = "debug" | "info" | "error";

/** A formatted line and where it goes. */
export interface LogLine {
  readonly level: LogLevel;
  readonly line: string;
}

/** The product's start line, byte for byte as the product doc shows it. */
export function startLine(url: string, keyName: string, keyVersion: string | undefined): string {
  const version = keyVersion === undefined ? "" : ` keyVersion=${keyVersion}`;
  return `Key wrapping via Azure Key Vault keyVaultURL=${url} keyName=${keyName}${version}`;
}

function callsSummary(calls: {
  calls: number;
  byOperation: Readonly<Record<string, number>>;
  tokenRequests: number;
}) {
  // Code-unit order, not localeCompare: the names are ASCII, and the first localeCompare builds ICU's
  // collator, about 5 ms of the preflight's start (by profile).
  const parts = Object.keys(calls.byOperation)
    .sort()
    .map((operation) => `${operation}=${calls.byOperation[operation]}`);
  return `hsmCalls=${calls.calls} ${parts.join(" ")} tokenRequests=${calls.tokenRequests}`.trim();
}

/** The event as one line (two for a failure in text: the error and its fix) with its level. */
export function formatPreflightEvent(event: PreflightEvent, format: LogFormat): LogLine[] {
  const json = (level: LogLevel, fields: Record<string, unknown>): LogLine => ({
    level,
    line: redactSecrets(JSON.stringify({ time: new Date().toISOString(), level, ...fields })),
  });
  switch (event.kind) {
    case "start": {
      const msg = startLine(event.keyVaultURL, event.keyName, event.keyVersion);
      if (format === "text") return [{ level: "info", line: msg }];
      return [
        json("info", {
          msg,
          keyVaultURL: event.keyVaultURL,
          keyName: event.keyName,
          ...(event.keyVersion !== undefined && { keyVersion: event.keyVersion }),
        }),
      ];
    }
    case "passed": {
      const { report } = event;
      const t = report.timings;
      const msg = "Preflight passed: the Managed HSM key wraps and unwraps with AES-256-GCM";
      if (format === "json")
        return [json("info", { msg, keyVersion: report.keyVersion, kid: report.kid, timingsMs: t })];
      return [
        {
          level: "info",
          line: `${msg} keyVersion=${report.keyVersion} kid=${report.kid} totalMs=${t.totalMs} tokenMs=${t.tokenMs} getKeyMs=${t.getKeyMs} encryptMs=${t.encryptMs} decryptMs=${t.decryptMs} negativeMs=${t.negativeMs}`,
        },
      ];
    }
    case "calls": {
      if (format === "json")
        return [
          json("debug", {
            msg: "HSM calls",
            hsmCalls: event.calls.calls,
            byOperation: event.calls.byOperation,
            tokenRequests: event.calls.tokenRequests,
          }),
        ];
      return [{ level: "debug", line: `debug: ${callsSummary(event.calls)}` }];
    }
    case "failed": {
      const { error } = event;
      const { exitCode, meaning } = failureCatalogue[error.code];
      const requestId = error.requestId === undefined ? "" : ` x-ms-request-id=${error.requestId}`;
      if (format === "json")
        return [
          json("error", {
            msg: "Preflight failed",
            code: error.code,
            exitCode,
            meaning,
            error: oneLine(error.message, 600),
            fix: oneLine(error.fix, 600),
            ...(error.requestId !== undefined && { requestId: error.requestId }),
          }),
        ];
      return [
        {
          level: "error",
          line: `Preflight failed: ${error.code} (exit ${exitCode}): ${oneLine(error.message, 600)}${requestId}`,
        },
        { level: "error", line: `Fix: ${oneLine(error.fix, 600)}` },
      ];
    }
  }
}
