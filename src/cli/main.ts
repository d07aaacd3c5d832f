#!/usr/bin/env node
// The `spirl-keywrap` executable: everything it does lives in run-cli.ts so tests can call it in-process.
import { runCli } from "./run-cli.ts";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
