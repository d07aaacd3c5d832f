#!/usr/bin/env node
// Entry of the bundled preflight (`npm run build` → dist/preflight.mjs): only `spirl-keywrap preflight`,
// so the init container's image carries neither the emulator nor the values tooling.
import { preflightCommand } from "./preflight-command.ts";

process.exitCode = await preflightCommand.run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
