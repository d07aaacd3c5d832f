import type { Command } from "./command.ts";

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
