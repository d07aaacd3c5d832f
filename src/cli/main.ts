#!/usr/bin/env -S node --
// `--` stops Node from reading a script argument `--env-file` as its own option (nodejs/node#54232),
// which `spirl-keywrap emulator --env-file PATH` would otherwise trip over.
// The `spirl-keywrap` executable: everything it does lives in run-cli.ts so tests can call it in-process.
import { enableCompileCache } from "node:module";

// Caches the type-stripped, compiled modules on disk: roughly halves a cold CLI start. Best effort: where
// the cache dir is not writable (a read-only root filesystem) Node just runs without it.
enableCompileCache();
const [{ runCli }, { reportCrash }] = await Promise.all([
  import("./run-cli.ts"),
  import("./report-crash.ts"),
]);

const io = { stdout: process.stdout, stderr: process.stderr };
process.exitCode = await runCli(process.argv.slice(2), io).catch((error: unknown) => reportCrash(error, io));
