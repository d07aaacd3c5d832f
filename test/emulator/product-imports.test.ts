// The emulator and its test PKI sit beside the product: nothing the product runs may load them, or a
// token-minting dev server would ship inside the preflight image and the package's main entry.
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const beside = ["src/emulator/", "src/x509/", "src/local-cluster/"];
const isBeside = (file: string) => beside.some((folder) => file.startsWith(folder));
/** The one allowed way in: the CLI's `emulator` command loads the emulator lazily, when it runs. */
const lazyEntry = { from: "src/cli/emulator-command.ts", to: "src/emulator/index.ts" };

/** Every runtime import edge among src/ files (type-only imports are erased, as at run time). */
async function importGraph(): Promise<{ from: string; to: string; kind: string }[]> {
  const files = (await readdir(join(root, "src"), { recursive: true }))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => join("src", file));
  const result = await build({
    absWorkingDir: root,
    entryPoints: files,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir: "out",
    logLevel: "silent",
  });
  return Object.entries(result.metafile.inputs).flatMap(([from, input]) =>
    input.imports
      .filter((edge) => !edge.external)
      .map((edge) => ({ from: relative(root, join(root, from)), to: edge.path, kind: edge.kind })),
  );
}

describe("product code and the emulator", () => {
  it("no product module imports src/emulator, src/x509 or src/local-cluster, except the emulator command's lazy import", async () => {
    const edges = await importGraph();
    expect(edges.length).toBeGreaterThan(100);
    // The graph sees the allowed lazy edge, so an empty list below is a real finding, not a blind spot.
    expect(edges).toContainEqual({ ...lazyEntry, kind: "dynamic-import" });
    const crossings = edges.filter(
      (edge) =>
        !isBeside(edge.from) &&
        isBeside(edge.to) &&
        !(edge.from === lazyEntry.from && edge.to === lazyEntry.to && edge.kind === "dynamic-import"),
    );
    expect(crossings).toEqual([]);
  });
});

describe("the package's entries", () => {
  it("spirl-keywrap is the product only; the emulator and the test PKI have their own paths", async () => {
    const main = await import("spirl-keywrap");
    expect(main).toHaveProperty("runCli");
    expect(main).not.toHaveProperty("startEmulator");
    expect(main).not.toHaveProperty("createTestPki");
    expect(await import("spirl-keywrap/emulator")).toHaveProperty("startEmulator");
    expect(await import("spirl-keywrap/test-pki")).toHaveProperty("createTestPki");
    expect(main).not.toHaveProperty("startControlPlane");
    expect(await import("spirl-keywrap/local-cluster")).toHaveProperty("startControlPlane");
  });
});
