import { writeFile } from "node:fs/promises";

/** Renders `KEY=value` lines; values here are paths, URLs and GUIDs, which need no quoting for `sh`. */
export function renderEnvFile(env: Readonly<Record<string, string>>): string {
  return `${Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

/** Writes the variables a client needs, readable only by the owner (the file names a token path). */
export async function writeEnvFile(path: string, env: Readonly<Record<string, string>>): Promise<void> {
  await writeFile(path, renderEnvFile(env), { mode: 0o600 });
}

/** Parses `KEY=value` lines (as written by {@link renderEnvFile}); blank lines and `#` comments are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) env[match[1]] = match[2];
  }
  return env;
}
