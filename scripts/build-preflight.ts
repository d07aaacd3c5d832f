// `npm run build`: bundles the preflight and the server, each into one file started by a launcher, all in
// the one image:
// - dist/preflight.mjs starts dist/preflight.main.cjs from V8's code cache of a whole run (dist/code-cache/),
//   trained here with one real preflight against the emulator: the preflight starts on every pod's start;
// - dist/server.mjs starts dist/server.main.mjs with Node's compile cache (dist/compile-cache/).
// test/preflight/preflight-bundle.test.ts and test/cluster/server-bundle.test.ts build the same way and run
// the bundles against the emulator.
import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { trainPreflightCache } from "./train-preflight-cache.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const entries = {
  preflight: fileURLToPath(new URL("../src/cli/preflight-main.ts", import.meta.url)),
  codeCacheLauncher: fileURLToPath(new URL("../src/cli/code-cache-launcher.ts", import.meta.url)),
  server: fileURLToPath(new URL("../src/cli/server-main.ts", import.meta.url)),
  trainer: fileURLToPath(new URL("./train-preflight-cache.ts", import.meta.url)),
} as const;

/**
 * Node's built-ins through `require`, not `import`: an ESM import of a built-in builds its ESM facade, which
 * reads every export, lazy getters included; `node:http`'s WebSocket getter alone loads undici (~30 ms of
 * a ~160 ms start, measured with --cpu-prof), `node:util`'s TextDecoder the encoding and diff modules.
 * `require` returns the module object as it is, and esbuild reads each named import from it where used.
 */
const builtinsByRequire: Plugin = {
  name: "builtins-by-require",
  setup(context) {
    context.onResolve({ filter: /^[\w:/]+$/ }, (args) =>
      args.kind === "import-statement" && isBuiltin(args.path)
        ? { path: args.path, namespace: "builtin-by-require" }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/**
 * Node's modules the preflight's dependencies import at start but use only off its passing path, loaded on
 * first use instead: zlib (a compressed response), child_process (the CLI credentials, browser sign-in),
 * assert (https-proxy-agent, for a refused CONNECT), timers/promises (a retry's wait). About 5 ms of the
 * start. Each becomes a stand-in with an accessor per property, named at build time by this same Node 24,
 * that loads the module when first used (see lazyBuiltinSource).
 */
const lazyBuiltins: Plugin = {
  name: "lazy-builtins",
  setup(context) {
    const names = ["zlib", "child_process", "assert", "timers/promises"];
    const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
    context.onResolve({ filter }, (args) =>
      args.namespace === "lazy-builtin"
        ? undefined
        : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
    );
    context.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: lazyBuiltinSource(args.path),
      loader: "js",
    }));
  },
};

/** What every function has of its own: the lazy stand-in of a callable module has them already. */
const functionOwn = new Set(["length", "name", "prototype", "arguments", "caller"]);

/**
 * CommonJS lines that give `module.exports` an accessor per `[name, enumerable]` of `entries` (a JavaScript
 * expression), reading and writing through to `load()`: the one shape of every built-in's stand-in.
 */
function forwardingAccessors(entries: string): string[] {
  return [
    `for (const [name, enumerable] of ${entries})`,
    "  Object.defineProperty(module.exports, name, {",
    "    get: () => load()[name],",
    "    set: (value) => { load()[name] = value; },",
    "    enumerable,",
    "  });",
  ];
}

/**
 * The CommonJS source of `name`'s lazy stand-in: every own property of the real module (read here, by the
 * Node that builds) as an accessor that loads the module on first use, enumerable as the real one is; a
 * callable module (assert) is a function that forwards calls and `new`. Exported for its test.
 */
export function lazyBuiltinSource(name: string): string {
  const real = process.getBuiltinModule(name) as object;
  const callable = typeof real === "function";
  const own = Object.getOwnPropertyNames(real)
    .filter((key) => !(callable && functionOwn.has(key)))
    .map((key) => [key, Object.getOwnPropertyDescriptor(real, key)?.enumerable === true]);
  return [
    `let loaded; const load = () => (loaded ??= require(${JSON.stringify(`node:${name}`)}));`,
    `module.exports = ${
      callable
        ? "function (...args) { return new.target ? Reflect.construct(load(), args, new.target) : load().apply(this, args); }"
        : "{}"
    };`,
    ...forwardingAccessors(JSON.stringify(own)),
  ].join("\n");
}

/** The source of the global `ReadableStream`'s stand-in (see `standIns`). Exported for its test. */
export const readableStreamStandInSource = [
  "const real = () => globalThis.ReadableStream;",
  'const tagged = (value) => Object.prototype.toString.call(value) === "[object ReadableStream]";',
  "// Read through a subclass too (its prototype chain reaches this one): answers for that class then.",
  "function hasInstance(value) {",
  "  if (this !== ReadableStream) return Function.prototype[Symbol.hasInstance].call(this, value);",
  "  return tagged(value) && value instanceof real();",
  "}",
  "export const ReadableStream = new Proxy(function ReadableStream() {}, {",
  "  get: (_, key) => (key === Symbol.hasInstance ? hasInstance : Reflect.get(real(), key)),",
  "  has: (_, key) => Reflect.has(real(), key),",
  "  set: (_, key, value) => Reflect.set(real(), key, value),",
  "  construct: (_, args, newTarget) =>",
  "    Reflect.construct(real(), args, newTarget === ReadableStream ? real() : newTarget),",
  "  apply: (_, self, args) => Reflect.apply(real(), self, args),",
  "});",
].join("\n");

/** The source of `util`'s stand-in (see `standIns`). Exported for its test. */
export const utilStandInSource = [
  'const real = require("node:util");',
  "const load = () => real;",
  "// Object.keys and the names read no descriptor, so they load nothing.",
  "const keys = new Set(Object.keys(real));",
  ...forwardingAccessors("Object.getOwnPropertyNames(real).map((name) => [name, keys.has(name)])"),
].join("\n");

const readableStreamGlobal = "stand-in:readable-stream-global";
/**
 * Modules of the preflight's bundle replaced by stand-ins, by the name they are imported by:
 * - jsonwebtoken: MSAL signs a client assertion with it only for a certificate credential
 *   (`ClientAssertion.createJwt`). The preflight signs in with Workload Identity only (its assertion is the
 *   projected token, read from a file), so jsonwebtoken and what it runs at start (semver builds some forty
 *   regular expressions) stay out: about 7 ms of the start, by profile. The one call left throws.
 * - supports-color: debug (under https-proxy-agent) tries `require("supports-color")` for colours; not
 *   installed, esbuild leaves the call to run, and Node searched node_modules folders up from the bundle on
 *   every start. Absent at build time as at run time: the require throws and debug goes on without colours.
 * - util: several of its properties are V8 lazy data properties that load a module when their descriptor is
 *   read (diff, parseArgs, the SIGINT tracer with worker_threads). esbuild's `__toESM` reads every
 *   descriptor of a module imported by default (the SDK's logger does), which loaded eleven of Node's
 *   modules at start, about 2 ms (a descriptor loop over util alone: 1.9-2.2 ms). The stand-in has an
 *   accessor for each of the real module's properties, named when it starts (so it matches the Node that
 *   runs it), reading and writing through; reading those accessors' descriptors loads nothing.
 * - the global `ReadableStream` ({@link readableStreamGlobal}, put in place of the global by esbuild's
 *   `inject`): the SDK's pipeline asks `body instanceof ReadableStream` of every request body, and that
 *   global is a getter which loads Node's web streams, about 2 ms between the key read and the encrypt, on
 *   the critical path (by profile). Node's web streams carry the tag "ReadableStream" (Symbol.toStringTag
 *   on their prototype), so a value without it is answered `false` without loading them; one with it is
 *   checked against the real class (a stream whose subclass changes its tag would be missed; none is made
 *   in this bundle). `new`, statics, `in` and subclasses go to the real global.
 */
const standIns: Record<string, string> = {
  jsonwebtoken:
    'export default { sign() { throw new Error("no certificate credentials here: this bundle signs in with Workload Identity only"); } };',
  "supports-color": 'throw new Error("supports-color is not in this bundle");',
  util: utilStandInSource,
  [readableStreamGlobal]: readableStreamStandInSource,
};

const withStandIns: Plugin = {
  name: "stand-ins",
  setup(context) {
    const filter = new RegExp(`^(node:)?(${Object.keys(standIns).join("|")})$`);
    // What a stand-in requires itself (util's real module) is not replaced.
    context.onResolve({ filter }, (args) =>
      args.namespace === "stand-in"
        ? undefined
        : { path: args.path.replace(/^node:/, ""), namespace: "stand-in" },
    );
    context.onLoad({ filter: /.*/, namespace: "stand-in" }, (args) => {
      const contents = standIns[args.path];
      return contents === undefined ? undefined : { contents, loader: "js" };
    });
  },
};

/** Where the server's launcher keeps Node's compile cache: beside it, so the image carries it (see the Dockerfile). */
export const compileCacheDir = "compile-cache";

/**
 * The server's launcher at `outfile`: Node's compile cache on, then the bundle. A bundle is one ES module,
 * compiled before any of its code runs, so the cache must be turned on by another module first. Node files
 * each entry under its own version and the user id and keys it by the bundle's path and content, so a stale
 * entry is never used, only replaced (and each user has entries of its own: see the Dockerfile); where the
 * folder cannot be written (a read-only image) the entries there are still read.
 */
function compileCacheLauncher(main: string): string {
  return [
    "// Generated by scripts/build-preflight.ts: Node's compile cache for the bundle beside it, then the bundle.",
    'import { enableCompileCache } from "node:module";',
    'import { fileURLToPath } from "node:url";',
    `enableCompileCache(fileURLToPath(new URL(${JSON.stringify(`${compileCacheDir}/`)}, import.meta.url)));`,
    `await import(${JSON.stringify(`./${main}`)});`,
    "",
  ].join("\n");
}

/** What every bundle shares: one minified file for Node 24, its licences beside it. */
const common: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  minify: true,
  // The licences of what the bundle includes (MIT, Apache-2.0, ...) go beside it, into the image too.
  legalComments: "external",
  logLevel: "warning",
};

/** An ES module bundle of `entry` at `outfile`. */
async function bundleEsm(entry: string, outfile: string, options: BuildOptions = {}): Promise<void> {
  await build({
    ...common,
    ...options,
    entryPoints: [entry],
    outfile,
    format: "esm",
    plugins: [builtinsByRequire, ...(options.plugins ?? [])],
    // The Azure SDKs and MSAL are CommonJS inside; an ESM bundle needs `require` for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
}

/**
 * Bundles src/cli/preflight-main.ts to `<outfile without .mjs>.main.cjs` and returns its size in bytes. CommonJS, so that its launcher (`outfile`, from
 * src/cli/code-cache-launcher.ts) can compile it as a script from V8's code cache, which the build then
 * trains with one real preflight against the emulator (scripts/train-preflight-cache.ts).
 */
export async function buildPreflight(outfile: string): Promise<number> {
  const main = outfile.replace(/\.mjs$/, ".main.cjs");
  const { metafile } = await build({
    ...common,
    entryPoints: [entries.preflight],
    outfile: main,
    format: "cjs",
    metafile: true,
    absWorkingDir: repoRoot,
    // esbuild warns of import.meta in every module it reads, used or not; the check below is exact.
    logOverride: { "empty-import-meta": "silent" },
    // The Azure SDK's pipeline asks `typeof FormData` on every request; that global is a getter which loads
    // undici (~8 ms of the preflight's start). No code in this bundle builds a FormData body, so the name
    // is `undefined` here. Not in the server's bundle: it carries undici itself.
    define: { FormData: "undefined" },
    inject: [readableStreamGlobal],
    plugins: [withStandIns, lazyBuiltins],
  });
  // A CommonJS bundle has no import.meta (esbuild leaves an empty object): no module in it may read one,
  // but `open`, which asks `import.meta.url ? ... : ''` and is only used by browser sign-in.
  const output = metafile.outputs[relative(repoRoot, main)];
  if (output === undefined) throw new Error(`esbuild's metafile has no entry for ${main}`);
  for (const input of Object.keys(output.inputs))
    if (
      input !== "node_modules/open/index.js" &&
      !/^[a-z-]+:/.test(input) && // a plugin's module (stand-in:..., lazy-builtin:...), not a file
      (await readFile(join(repoRoot, input), "utf8")).includes("import.meta")
    )
      throw new Error(`${input} reads import.meta, which the preflight's CommonJS bundle does not have`);
  // The launcher imports nothing (it takes Node's modules by getBuiltinModule): no banner, no plugins.
  await build({ ...common, entryPoints: [entries.codeCacheLauncher], outfile, format: "esm" });
  await trainPreflightCache(outfile);
  return (await stat(main)).size;
}

/**
 * Bundles src/cli/server-main.ts (`spirl-keywrap server`) to `<outfile without .mjs>.main.mjs` with its
 * launcher at `outfile`, and returns its size in bytes. Node's compile cache is filled by running
 * `outfile --help` once (it loads the whole bundle; the image does the same at build).
 */
export async function buildServer(outfile: string): Promise<number> {
  const main = outfile.replace(/\.mjs$/, ".main.mjs");
  await bundleEsm(entries.server, main);
  await writeFile(outfile, compileCacheLauncher(basename(main)));
  const env = { ...process.env };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  await promisify(execFile)(process.execPath, [outfile, "--help"], { env, cwd: dirname(outfile) });
  return (await stat(main)).size;
}

/** The trainer as one file, for the Dockerfile's stage that trains the cache with the final image's Node. */
export async function buildTrainer(outfile: string): Promise<void> {
  await bundleEsm(entries.trainer, outfile, { legalComments: "none" });
}

/**
 * What `npm run build:bundles` writes into `folder`: both bundles with their launchers and caches, and the
 * Dockerfile's trainer. Returns a line per part.
 */
export async function buildBundles(folder: string): Promise<string[]> {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const preflight = await buildPreflight(join(folder, "preflight.mjs"));
  const server = await buildServer(join(folder, "server.mjs"));
  await buildTrainer(join(folder, "train-preflight-cache.mjs"));
  return [
    `preflight.mjs, preflight.main.cjs (${kib(preflight)}) and its code cache`,
    `server.mjs, server.main.mjs (${kib(server)}) and its compile cache`,
    "train-preflight-cache.mjs (the Dockerfile's trainer)",
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const line of await buildBundles(fileURLToPath(new URL("../dist/", import.meta.url))))
    console.log(`wrote dist/${line}`);
