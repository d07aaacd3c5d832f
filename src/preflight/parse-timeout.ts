import { PreflightError } from "./preflight-error.ts";

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Longest budget: three hours, above the chart's largest `preflight.timeout` (9999s). */
const maxMs = 3 * 3_600_000;

/** `60s`, `1500ms`, `2m` or a bare number of seconds, to milliseconds; `CONFIG_INVALID` otherwise. */
export function parseTimeout(text: string, source: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * (units[match[2] ?? "s"] ?? 1000);
  if (!Number.isFinite(ms) || ms < 100 || ms > maxMs)
    throw new PreflightError(
      `${source} must be a duration from 100ms to 180m such as 60s, 1500ms or 2m; got ${JSON.stringify(text)}`,
      { code: "CONFIG_INVALID", fix: `Set ${source} to a duration such as 60s.` },
    );
  return ms;
}
