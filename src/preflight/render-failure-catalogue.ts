import { failureCatalogue, failureCodes } from "./failure-catalogue.ts";

/** Table cells: pipes would split the cell and `<hsm-name>` would vanish as an HTML tag. */
const escapeCell = (text: string) =>
  text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The README's failure catalogue: one Markdown table row per failure class, in catalogue order. */
export function renderFailureCatalogue(): string {
  const rows = failureCodes.map((code) => {
    const { exitCode, meaning, fix } = failureCatalogue[code];
    return `| \`${code}\` | ${exitCode} | ${escapeCell(meaning)} | ${escapeCell(fix)} |`;
  });
  return ["| Code | Exit | Meaning | Fix |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** Markers around the generated table in README.md. */
export const catalogueMarkers = {
  begin: "<!-- preflight-failure-catalogue:begin (generated from src/preflight/failure-catalogue.ts) -->",
  end: "<!-- preflight-failure-catalogue:end -->",
} as const;
