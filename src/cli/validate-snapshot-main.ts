// Entry of the V8 startup snapshot `npm run build` makes for `spirl-keywrap validate`
// (scripts/build-validate-snapshot.ts): the values model, YAML reader and checker are loaded, built and
// warmed when the snapshot is made, so a run starts with them in the heap. main.ts starts it as
// `node --snapshot-blob BLOB -- MAIN validate ARGS...` (validate-snapshot.ts).
import { startupSnapshot } from "node:v8";
import { checkValues } from "../validate/index.ts";
import { exitWhenFlushed } from "./exit-when-flushed.ts";
import { reportCrash } from "./report-crash.ts";
import { validateCommand } from "./validate-command.ts";
import { becomeNode, snapshotSourcesUnchanged } from "./validate-snapshot.ts";

// Warm: the chart defaults judged once, so the first real check finds its code compiled. The snapshot is
// taken once this settles; a failure fails the build.
void checkValues();

startupSnapshot.setDeserializeMainFunction(async () => {
  const blob = process.execArgv[process.execArgv.indexOf("--snapshot-blob") + 1] ?? "";
  const [main = "", ...argv] = process.argv.slice(1);
  // Sources changed since the build: the same command from source instead, never from this snapshot.
  if (!snapshotSourcesUnchanged(blob))
    await becomeNode([main, ...argv], { ...process.env, SPIRL_KEYWRAP_SNAPSHOT: "off" });
  const io = { stdout: process.stdout, stderr: process.stderr };
  const code = await validateCommand.run(argv.slice(1), io).catch((error: unknown) => reportCrash(error, io));
  await exitWhenFlushed(code);
});
