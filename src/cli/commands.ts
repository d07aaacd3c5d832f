import type { Command } from "./command.ts";

/** Every subcommand, in the order `--help` lists them. Add a command here and nowhere else. */
export const commands: readonly Command[] = [];
