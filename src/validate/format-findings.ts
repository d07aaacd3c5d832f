import { printable, printableJson } from "../errors/index.ts";
import type { Finding, FindingSource } from "./finding.ts";

function where(source: FindingSource | undefined): string {
  if (source === undefined) return "(values)";
  return source.kind === "file" ? `${printable(source.file)}:${source.line}:${source.col}` : source.flag;
}

/**
 * One line per finding: `FILE:LINE:COL path: message` (the flag's name instead of a file for --set). File
 * names and keys come from input and are escaped; the message escapes what it quotes when it is built.
 */
export function formatFindingsText(findings: readonly Finding[]): string {
  return findings
    .map((finding) => `${where(finding.source)} ${printable(finding.path.join("."))}: ${finding.message}\n`)
    .join("");
}

/** The findings as data for scripts: `{ valid, findings: [{ code, path, message, file, line, col }] }`. */
export function formatFindingsJson(findings: readonly Finding[]): string {
  const rows = findings.map((finding) => {
    const source = finding.source;
    return {
      code: finding.code,
      path: finding.path.join("."),
      message: finding.message,
      file: source === undefined ? null : source.kind === "file" ? source.file : source.flag,
      line: source?.kind === "file" ? source.line : null,
      col: source?.kind === "file" ? source.col : null,
      ...(source?.kind === "flag" ? { argument: source.argument.split("=")[0] } : {}),
    };
  });
  return `${printableJson(JSON.stringify({ valid: findings.length === 0, findings: rows }, null, 2))}\n`;
}
