// Part of `npm run build`: bundles `spirl-keywrap validate` (src/cli/validate-snapshot-main.ts) into one
// CommonJS file and makes a V8 startup snapshot of it, dist/validate.blob, stamped (validate.blob.json)
// with the Node binary and a hash of every bundled file. main.ts uses it only while the stamp matches
// (src/cli/validate-snapshot.ts); test/cli/validate-snapshot.test.ts builds one the same way.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { sourceHash } from "../src/cli/source-hash.ts";
import { nodeFileIdentity, nodeIdentity, type SnapshotStamp } from "../src/cli/validate-snapshot.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const entry = `${root}src/cli/validate-snapshot-main.ts`;

/**
 * The files whose contents the stamp hashes: each bundled source file, and for a bundled package its
 * package.json (name and version: npm replaces a package whole). That keeps the check at the start of
 * every run to a few dozen small reads instead of a couple of hundred.
 */
function stampInputs(bundled: readonly string[]): string[] {
  const inputs = bundled.map((file) => {
    const inPackage = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
    return inPackage === null ? file : `${inPackage[1]}/package.json`;
  });
  return [...new Set(inputs)].sort();
}

/** Makes `dir`/validate.blob and its stamp; returns the blob's size in bytes. */
export async function buildValidateSnapshot(dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const script = `${dir}/validate-snapshot.cjs`;
  const result = await build({
    entryPoints: [entry],
    outfile: script,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    metafile: true,
    minify: true,
    keepNames: true,
    logLevel: "warning",
    plugins: [
      {
        // CommonJS has no import.meta: each module's own location is written in, so the chart's values.yaml
        // and the worker script are found in the sources (which the stamp pins).
        name: "import-meta-url",
        setup(context) {
          context.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, "utf8")
              .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
              .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)))
              .replaceAll("import.meta.filename", JSON.stringify(args.path)),
            loader: "ts",
          }));
        },
      },
    ],
  });
  const inputs = stampInputs(Object.keys(result.metafile.inputs).map((input) => resolve(root, input)));
  const blob = `${dir}/validate.blob`;
  execFileSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], { stdio: "inherit" });
  const stamp: SnapshotStamp = { node: nodeIdentity(), inputs, sourceHash: sourceHash(inputs) };
  writeFileSync(`${blob}.json`, `${JSON.stringify(stamp, null, 2)}\n`);
  // The same Node as the sh bin (src/cli/spirl-keywrap) checks it before it execs the snapshot itself.
  writeFileSync(`${blob}.node`, `${nodeFileIdentity()}\n`);
  return readFileSync(blob).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildValidateSnapshot(`${root}dist`);
  console.log(`wrote dist/validate.blob (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
}
