#!/usr/bin/env -S node --
// The `spirl-keywrap` executable (package.json "bin"); the CLI itself starts in main.ts. This one file is
// JavaScript because Node strips a TypeScript entry's types before the entry can turn the compile cache
// on, and that loads the type stripper on every run (~60 ms of CPU, more than Node's own start). From here
// every module, main.ts included, comes from the cache once it has been compiled.
// `--` in the shebang: see main.ts.
import { enableCompileCache } from "node:module";

enableCompileCache();
await import("./main.ts");
