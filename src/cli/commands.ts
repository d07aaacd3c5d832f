import type { Command } from "./command.ts";
import { emulatorCommand } from "./emulator-command.ts";
import { keysCommand } from "./keys-command.ts";
import { preflightCommand } from "./preflight-command.ts";
import { serverCommand } from "./server-command.ts";
import { validateCommand } from "./validate-command.ts";

/** Every subcommand, in the order `--help` lists them. Add a command here and nowhere else. */
export const commands: readonly Command[] = [
  emulatorCommand,
  validateCommand,
  preflightCommand,
  keysCommand,
  serverCommand,
];
