import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Data flows one way between the folders under src/ (config → schema → validate ← values, config → hsm →
// preflight, cli on top): an import cycle between two folders means one of them no longer has one job.

const srcDir = fileURLToPath(new URL("../../src/", import.meta.url));

/** Static imports, re-exports, `import type` and dynamic `import("…")` with a relative specifier. */
const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

/** The folder under src/ a file belongs to; a file directly in src/ (the package entry) stands alone. */
function folderOf(file: string): string {
  const path = relative(srcDir, file);
  return path.split(sep)[0] ?? path;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Folder → the other folders its files import. */
async function folderGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  for (const file of await sourceFiles(srcDir)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of (await readFile(file, "utf8")).matchAll(importPattern)) {
      const target = resolve(dirname(file), match[1] ?? "");
      if (!target.startsWith(srcDir)) continue;
      const to = folderOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** The strongly connected components with more than one folder (Tarjan): each is a cycle. */
function importCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe("imports between the folders of src/", () => {
  it("the cycle finder reports a cycle through three folders and none in a chain", () => {
    const cyclic = new Map([
      ["cli", new Set(["validate"])],
      ["validate", new Set(["schema"])],
      ["schema", new Set(["values"])],
      ["values", new Set(["validate"])],
    ]);
    expect(importCycles(cyclic)).toEqual([["schema", "validate", "values"]]);
    const chain = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
    ]);
    expect(importCycles(chain)).toEqual([]);
  });

  it("reads the import edges of the real tree", async () => {
    const graph = await folderGraph();
    expect(graph.get("validate")).toContain("schema");
    expect(graph.get("validate")).toContain("values");
  });

  it("form no cycle", async () => {
    expect(importCycles(await folderGraph())).toEqual([]);
  });
});
