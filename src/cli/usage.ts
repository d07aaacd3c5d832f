import { printable } from "../errors/index.ts";
import type { CliIo } from "./cli-io.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";

/**
 * Writes one usage-error line, `spirl-keywrap[ COMMAND]: MESSAGE; see '… --help'`, and returns exit 2.
 * The message is escaped here, once for every command: parseArgs quotes the offending argument into it.
 */
export function usageError(io: Pick<CliIo, "stderr">, command: string | undefined, message: string): number {
  const name = command === undefined ? "spirl-keywrap" : `spirl-keywrap ${command}`;
  io.stderr.write(`${name}: ${printable(message)}; see '${name} --help'\n`);
  return ExitCode.Usage;
}

/** The text of `spirl-keywrap --help`, listing the given commands. */
export function usage(commands: readonly Command[]): string {
  const width = Math.max(16, ...commands.map((command) => command.name.length + 2));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`);
  return `Usage: spirl-keywrap <command> [options]

Key wrapping for the spirl-system Trust Domain Server (Azure Managed HSM).

Commands:
${[...lines, `  ${"help".padEnd(width)}Show this help`].join("\n")}

Options:
  -h, --help        Show this help (after a command: that command's help)
  -V, --version     Print the version
`;
}
