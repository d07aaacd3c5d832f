#!/usr/bin/env node
// Entry of the bundled server (`npm run build` → dist/server.mjs): only `spirl-keywrap server`, so the
// Deployment's container carries neither the emulator nor the values tooling. Same image as the preflight.
import { exitWhenFlushed } from "./exit-when-flushed.ts";
import { reportCrash } from "./report-crash.ts";
import { serverCommand } from "./server-command.ts";

const io = { stdout: process.stdout, stderr: process.stderr };
const code = await serverCommand
  .run(process.argv.slice(2), io)
  .catch((error: unknown) => reportCrash(error, io));
await exitWhenFlushed(code);
