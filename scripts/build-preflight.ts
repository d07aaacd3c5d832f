// `npm run build`: bundles the preflight and the server, each into one ESM file (dist/preflight.mjs,
// dist/server.mjs), both in the one image. test/preflight/preflight-bundle.test.ts and
// test/image/server-bundle.test.ts build the same way and run the bundles against the emulator.
import { stat } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const entries = {
  preflight: fileURLToPath(new URL("../src/cli/preflight-main.ts", import.meta.url)),
  server: fileURLToPath(new URL("../src/cli/server-main.ts", import.meta.url)),
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

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    minify: true,
    // The licences of what the bundle includes (MIT, Apache-2.0, ...) go beside it, into the image too.
    legalComments: "external",
    logLevel: "warning",
    plugins: [builtinsByRequire],
    // The Azure SDKs and MSAL are CommonJS inside; an ESM bundle needs `require` for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return (await stat(outfile)).size;
}

/** Bundles src/cli/preflight-main.ts and its dependencies into `outfile`; returns its size in bytes. */
export function buildPreflight(outfile: string): Promise<number> {
  return bundle(entries.preflight, outfile);
}

/** Bundles src/cli/server-main.ts (`spirl-keywrap server`) into `outfile`; returns its size in bytes. */
export function buildServer(outfile: string): Promise<number> {
  return bundle(entries.server, outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, build] of [
    ["preflight", buildPreflight],
    ["server", buildServer],
  ] as const) {
    const bytes = await build(fileURLToPath(new URL(`../dist/${name}.mjs`, import.meta.url)));
    console.log(`wrote dist/${name}.mjs (${(bytes / 1024).toFixed(0)} KiB)`);
  }
}
