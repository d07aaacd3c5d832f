// The preflight's launcher (`npm run build` → dist/preflight.mjs): runs the CommonJS bundle beside it
// (dist/preflight.main.cjs) from V8's code cache of a whole run, kept in dist/code-cache/.
//
// Why not Node's compile cache (which the server's launcher uses): Node saves a script's cache as soon as
// it is compiled, so it holds only the code V8 compiles eagerly; every function first called during the
// run (the SDK pipeline, MSAL, TLS set-up) is still parsed and compiled on the critical path. V8's
// `createCachedData()` called at exit holds every function the run compiled. The build trains the cache
// with a real preflight against the emulator (scripts/train-preflight-cache.ts), so the image's first run
// starts warm. Measured interleaved at 0 ms added round trip: 149 → 122 ms with the CommonJS bundle
// (Node's compile cache → this trained one; the lazy built-ins in the same change).
//
// A cache file is named by the SHA-256 of what V8 compiles (the bundle in its wrapper) and Node's version
// and architecture: V8 itself checks only the source's length, so a cache made for other content of the
// same length must never be offered. Its body carries a digest (see readCache). V8 refuses one made by
// another V8 or with other flags (`cachedDataRejected`); then the bundle is compiled as usual. Where there
// is no usable cache, this run's is written at exit if the folder can be written (a read-only image keeps
// what its build wrote; runs with other V8 flags in a writable folder replace each other's). Nothing is
// printed about it except with NODE_DEBUG=spirl-code-cache.
//
// Node's modules by getBuiltinModule, not `import`: an ES module's import of a built-in builds its ESM
// facade, which reads every export, lazy getters included (see builtinsByRequire in the build).
const { createHash, randomBytes } = process.getBuiltinModule("node:crypto");
const { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } =
  process.getBuiltinModule("node:fs");
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
// The CommonJS wrapper Node itself uses, opened on the source's first line: line numbers stay the same
// (columns on that line shift by the head's length).
const head = "(function (exports, require, module, __filename, __dirname) {";
const tail = "\n})";
const bytes = readFileSync(bundle);
// What V8 compiles, by its hash: the bundle's bytes as read (hashing the decoded string would encode it
// to UTF-8 again, ~1 ms of 430 KB) inside the wrapper.
const sourceHash = createHash("sha256").update(head).update(bytes).update(tail).digest();
const cacheFile = join(
  dir,
  "code-cache",
  `${basename(bundle)}-${sourceHash.toString("hex").slice(0, 32)}-${process.version}-${process.arch}.bin`,
);

/**
 * A cache file is a SHA-256 of the source's hash and V8's payload, then the payload. V8 checks only the
 * payload's header (its version and flags, the source's length), not its body: a corrupted or torn file
 * that it accepted crashed the process (SIGTRAP, SIGSEGV) or ran other code than the bundle. So the digest
 * is checked before V8 sees the payload (0.4 ms); it ties the payload to this source too. It guards against
 * damage, not an attacker: whoever can write the cache can write the bundle beside it, so both share one
 * trust, and the image keeps both root-owned and read-only.
 */
const digestOf = (payload: Buffer) => createHash("sha256").update(sourceHash).update(payload).digest();

function readCache(): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch (error) {
    debug("no cache %s: %s", cacheFile, (error as NodeJS.ErrnoException).code);
    return undefined;
  }
  const payload = file.subarray(32);
  if (payload.length > 0 && digestOf(payload).equals(file.subarray(0, 32))) return payload;
  debug("cache %s damaged", cacheFile);
  return undefined;
}

/**
 * This run's code cache, written whole or not at all: to a file of its own ("wx", a random name: pods
 * often all run as pid 1), renamed into place. The file is opened before V8 serializes the cache (3 ms
 * or more), so that a folder which cannot be written costs nothing.
 */
function writeCache(script: Script): void {
  const temporary = `${cacheFile}.${randomBytes(6).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    fd = openSync(temporary, "wx", 0o644);
    const payload = script.createCachedData();
    writeFileSync(fd, Buffer.concat([digestOf(payload), payload]));
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, cacheFile);
    debug("wrote %s", cacheFile);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    debug("cache not written %s: %s", cacheFile, (error as NodeJS.ErrnoException).code);
  }
}

const cachedData = readCache();
const script = new Script(`${head}${bytes.toString("utf8")}${tail}`, {
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
