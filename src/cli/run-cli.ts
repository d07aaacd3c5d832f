import { parseArgs } from "node:util";
import { printable } from "../errors/index.ts";
import { packageVersion } from "../package-version.ts";
import type { CliIo } from "./cli-io.ts";
import { commands } from "./commands.ts";
import { ExitCode } from "./exit-code.ts";
import { usage, usageError } from "./usage.ts";

/**
 * Splits `[top-level options] [--] <command> [its arguments]`: the command is the first argument that is not
 * an option, or whatever follows a `--` (which, as in other CLIs, ends the top-level options).
 */
function splitCommand(argv: readonly string[]) {
  for (const [index, arg] of argv.entries()) {
    if (arg === "--")
      return { options: argv.slice(0, index), name: argv[index + 1], rest: argv.slice(index + 2) };
    if (!arg.startsWith("-"))
      return { options: argv.slice(0, index), name: arg, rest: argv.slice(index + 1) };
  }
  return { options: argv, name: undefined, rest: [] };
}

/** Runs the CLI with the given arguments and returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { options, name, rest } = splitCommand(argv);
  const command = commands.find((candidate) => candidate.name === name);
  if (command !== undefined && options.length === 0) return command.run(rest, io);

  let parsed: ReturnType<typeof parseTopLevel>;
  try {
    parsed = parseTopLevel(options);
  } catch (error) {
    return usageError(io, undefined, (error as Error).message);
  }
  if (parsed.values.version) {
    io.stdout.write(`${packageVersion}\n`);
    return ExitCode.Ok;
  }
  if (parsed.values.help || name === undefined || name === "help") {
    io.stdout.write(usage(commands));
    return ExitCode.Ok;
  }
  const known = [...commands.map((candidate) => candidate.name), "help"].join(", ");
  io.stderr.write(
    `spirl-keywrap: unknown command '${printable(name)}'; expected one of: ${known}; see 'spirl-keywrap --help'\n`,
  );
  return ExitCode.Usage;
}

function parseTopLevel(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
}
