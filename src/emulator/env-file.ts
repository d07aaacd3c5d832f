import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EmulatorError } from "./errors.ts";

/**
 * Renders `KEY=value` lines for `sh` to source (`set -a; . FILE`). Values are paths, URLs, GUIDs and base64url,
 * bare when they hold only characters `sh` takes literally; anything else (a TMPDIR with a space or a `$`) is
 * single-quoted, so sourcing the file never splits a value or runs part of it.
 */
export function renderEnvFile(env: Readonly<Record<string, string>>): string {
  return `${Object.entries(env)
    .map(([key, value]) => `${key}=${shellWord(value)}`)
    .join("\n")}\n`;
}

const shellWord = (value: string): string =>
  /^[A-Za-z0-9_./:@%+=,-]*$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Writes the variables a client needs, readable only by the owner: the file names a token path and
 * holds the admin API's secret. Atomic (a new file in the same folder, then `rename`), so a reader never
 * sees half a file and a pre-existing file's mode (say 0666) is not kept; a symlink at `path` is refused
 * rather than followed, so the secret cannot be redirected into a file someone else chose.
 */
export async function writeEnvFile(path: string, env: Readonly<Record<string, string>>): Promise<void> {
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw envFileError(path, error.code ?? error.message, error);
  });
  if (existing?.isSymbolicLink())
    throw envFileError(
      path,
      "is a symbolic link; refusing to write through it (remove it or pick another path)",
    );
  if (existing !== undefined && !existing.isFile())
    throw envFileError(path, "exists and is not a regular file");
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    // O_EXCL | O_NOFOLLOW: a name nobody else can have prepared; mode 0600 from creation on.
    const file = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await file.writeFile(renderEnvFile(env));
      await file.sync();
    } finally {
      await file.close();
    }
    // rename replaces the name itself: it never follows a link that appeared at `path` since the check.
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw envFileError(path, code ?? (error as Error).message, error);
  }
}

function envFileError(path: string, what: string, cause?: unknown): EmulatorError {
  return new EmulatorError(`env file ${path}: ${what}`, {
    code: "ENV_FILE_UNWRITABLE",
    ...(cause !== undefined && { cause }),
  });
}

/** Parses `KEY=value` lines as written by {@link renderEnvFile} (bare or single-quoted); blank lines and `#` comments are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const quoted = /^'(.*)'$/.exec(match[2])?.[1];
    env[match[1]] = quoted === undefined ? match[2] : quoted.replaceAll("'\\''", "'");
  }
  return env;
}
