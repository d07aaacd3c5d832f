// Entry of the bundled preflight (`npm run build` → dist/preflight.mjs): only `spirl-keywrap preflight`,
// so the init container's image carries neither the emulator nor the values tooling.
import { runPreflight } from "../preflight/run-preflight.ts";
import { exitWhenFlushed } from "./exit-when-flushed.ts";
import { preflightCommandWith } from "./preflight-command.ts";
import { reportCrash } from "./report-crash.ts";

const io = { stdout: process.stdout, stderr: process.stderr };
// Imported, not loaded on demand, and Workload Identity only: see PreflightRunner. A promise chain, not
// top-level await: the bundle is CommonJS, so that V8 can start it from a code cache (see the build).
void preflightCommandWith({ runPreflight })
  .run(process.argv.slice(2), io)
  .catch((error: unknown) => reportCrash(error, io))
  .then(exitWhenFlushed);
