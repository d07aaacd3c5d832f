// `npm run build`: bundles the preflight into one ESM file, dist/preflight.mjs, which the image runs.
// test/preflight/preflight-bundle.test.ts builds the same way and runs the bundle against the emulator.
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = fileURLToPath(new URL("../src/cli/preflight-main.ts", import.meta.url));

/** Bundles src/cli/preflight-main.ts and its dependencies into `outfile`; returns its size in bytes. */
export async function buildPreflight(outfile: string): Promise<number> {
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
    // The Azure SDKs and MSAL are CommonJS inside; an ESM bundle needs `require` for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return (await stat(outfile)).size;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outfile = fileURLToPath(new URL("../dist/preflight.mjs", import.meta.url));
  const bytes = await buildPreflight(outfile);
  console.log(`wrote dist/preflight.mjs (${(bytes / 1024).toFixed(0)} KiB)`);
}
