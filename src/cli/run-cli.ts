import { parseArgs } from "node:util";
import { packageVersion } from "../package-version.ts";
import type { CliIo } from "./cli-io.ts";
import { commands } from "./commands.ts";
import { ExitCode } from "./exit-code.ts";
import { usage } from "./usage.ts";

/** Runs the CLI with the given arguments and returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const commandIndex = argv.findIndex((arg) => !arg.startsWith("-"));
  const [name, rest] =
    commandIndex === -1 ? [undefined, []] : [argv[commandIndex], argv.slice(commandIndex + 1)];
  const command = commands.find((candidate) => candidate.name === name);
  if (command !== undefined && commandIndex === 0) return command.run(rest, io);

  let parsed: ReturnType<typeof parseTopLevel>;
  try {
    parsed = parseTopLevel(argv);
  } catch (error) {
    io.stderr.write(`spirl-keywrap: ${(error as Error).message}; see 'spirl-keywrap --help'\n`);
    return ExitCode.Usage;
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
    `spirl-keywrap: unknown command '${name}'; expected one of: ${known}; see 'spirl-keywrap --help'\n`,
  );
  return ExitCode.Usage;
}

function parseTopLevel(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
}
