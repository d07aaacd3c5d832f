// The preflight's launcher (`npm run build` → dist/preflight.mjs): runs the CommonJS bundle beside it
// (dist/preflight.main.cjs) from V8's code cache of a whole run, kept in dist/code-cache/.
//
// Why not Node's compile cache (which the server's launcher uses): Node saves a script's cache as soon as
// it is compiled, so it holds only the code V8 compiles eagerly; every function first called during the
// run (the SDK pipeline, MSAL, TLS set-up) is still parsed and compiled on the critical path. V8's
// `createCachedData()` called at exit holds every function the run compiled. The build trains the cache
// with a real preflight against the emulator (scripts/train-preflight-cache.ts), so the image's first run
// starts warm. Measured interleaved at 0 ms added round trip: about 20 ms of a 140 ms run.
//
// A cache file is named by the bundle's SHA-256 and Node's version and architecture: V8 itself checks only
// the source's length, so a cache made for other content of the same length must never be offered. V8
// refuses one made by another V8 or with other flags (`cachedDataRejected`); then the bundle is compiled
// as usual. Where there is no usable cache, this run's is written at exit, if the folder can be written (a
// read-only image keeps what its build wrote); nothing is ever printed about it except with
// NODE_DEBUG=spirl-code-cache.
// Node's modules by getBuiltinModule, not `import`: an ES module's import of a built-in builds its ESM
// facade, which reads every export, lazy getters included (see builtinsByRequire in the build).
const { hash } = process.getBuiltinModule("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = process.getBuiltinModule("node:fs");
const { createRequire } = process.getBuiltinModule("node:module");
const { basename, dirname, join } = process.getBuiltinModule("node:path");
const { fileURLToPath } = process.getBuiltinModule("node:url");
const { debuglog } = process.getBuiltinModule("node:util");
const { constants, Script } = process.getBuiltinModule("node:vm");
type Script = import("node:vm").Script;

const debug = debuglog("spirl-code-cache");
const launcher = fileURLToPath(import.meta.url);
const dir = dirname(launcher);
const bundle = join(dir, basename(launcher).replace(/\.mjs$/, ".main.cjs"));
// Hashed as read: hashing the decoded string would encode it to UTF-8 again (~1 ms of 430 KB).
const bytes = readFileSync(bundle);
const source = bytes.toString("utf8");
const cacheFile = join(
  dir,
  "code-cache",
  `${basename(bundle)}-${hash("sha256", bytes).slice(0, 32)}-${process.version}-${process.arch}.bin`,
);

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch (error) {
    debug("no cache %s: %s", cacheFile, (error as NodeJS.ErrnoException).code);
    return undefined;
  }
}

/** This run's code cache, written whole or not at all (another process may be reading the folder). */
function writeCache(script: Script): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    debug("wrote %s", cacheFile);
  } catch (error) {
    debug("cache not written %s: %s", cacheFile, (error as NodeJS.ErrnoException).code);
  }
}

const cachedData = readCache();
// The CommonJS wrapper Node itself uses, opened on the source's first line so line numbers stay the same.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cachedData !== undefined && { cachedData }),
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (cachedData !== undefined)
  debug("cache %s %s", cacheFile, script.cachedDataRejected ? "rejected" : "accepted");
if (cachedData === undefined || script.cachedDataRejected === true)
  process.once("exit", () => writeCache(script));
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dir);
