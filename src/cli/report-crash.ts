import { oneLine } from "../preflight/redact-secrets.ts";
import type { CliIo } from "./cli-io.ts";
import { ExitCode } from "./exit-code.ts";

/**
 * The last resort of an entry point: an error no command expected becomes one redacted line and exit 70,
 * instead of an unhandled rejection (exit 1, which means "invalid values") with a stack that may quote
 * service responses.
 */
export function reportCrash(error: unknown, io: Pick<CliIo, "stderr">): number {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `spirl-keywrap: internal error, please report it: ${oneLine(`${name}: ${message}`, 500)}\n`,
  );
  return ExitCode.Internal;
}
