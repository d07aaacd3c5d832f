import type { CliIo } from "./cli-io.ts";

/** One `spirl-keywrap <name>` subcommand. Commands parse their own flags and return an exit code. */
export interface Command {
  /** The word after `spirl-keywrap`. */
  readonly name: string;
  /** One line for `spirl-keywrap --help`. */
  readonly summary: string;
  /** Runs with the arguments after the command name; never throws for bad input, returns an ExitCode. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
