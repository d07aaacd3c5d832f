import type { Command } from "./command.ts";
import { emulatorCommand } from "./emulator-command.ts";
import { keysCommand } from "./keys-command.ts";
import { preflightCommandWith } from "./preflight-command.ts";
import { serverCommand } from "./server-command.ts";
import { validateCommand } from "./validate-command.ts";

/** Every subcommand, in the order `--help` lists them. Add a command here and nowhere else. */
export const commands: readonly Command[] = [
  emulatorCommand,
  validateCommand,
  // Loaded when a preflight runs, so the other commands start without the Azure SDKs. The CLI honours
  // AZURE_TOKEN_CREDENTIALS (a workstation can use its own sign-in); the image signs in with Workload Identity only.
  preflightCommandWith({
    runPreflight: async (options) => (await import("../preflight/index.ts")).runPreflight(options),
    signIn: async () =>
      (await import("../hsm/index.ts")).createDefaultCredential({ workloadIdentityOnly: true }),
  }),
  keysCommand,
  serverCommand,
];
