#!/usr/bin/env -S node --
// `--` stops this Node from reading a script argument that starts with `--env-file` as its own option
// (nodejs/node#54232). It cannot protect npx's own Node, which sees the same arguments: hence the
// emulator's `--write-env`, not `--env-file`.
// Where the `spirl-keywrap` executable (bin.js) starts the CLI; runnable itself too. Everything it does
// lives in run-cli.ts so tests can call it in-process.
import { enableCompileCache } from "node:module";

// Caches the type-stripped, compiled modules on disk: roughly halves a cold CLI start. Best effort: where
// the cache dir is not writable (a read-only root filesystem) Node just runs without it.
enableCompileCache();
if (process.argv[2] === "validate") {
  // The fast path: a fresh `npm run build` snapshot of validate (validate-snapshot.ts says when it is).
  const { snapshotForThisNode, runSnapshot } = await import("./validate-snapshot.ts");
  const blob = snapshotForThisNode();
  if (blob !== undefined) await runSnapshot(blob, import.meta.filename, process.argv.slice(2));
}
const [{ runCli }, { reportCrash }, { exitWhenFlushed }] = await Promise.all([
  import("./run-cli.ts"),
  import("./report-crash.ts"),
  import("./exit-when-flushed.ts"),
]);

const io = { stdout: process.stdout, stderr: process.stderr };
const code = await runCli(process.argv.slice(2), io).catch((error: unknown) => reportCrash(error, io));
// Every command is done when it returns: exit with its code, whatever sockets or timers remain.
await exitWhenFlushed(code);
