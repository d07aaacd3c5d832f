// `npm run generate`: writes every generated file: those derived from the values model
// (src/config/values-model.ts) and the preflight failure catalogue in README.md
// (src/preflight/failure-catalogue.ts). Tests fail when a checked-in copy differs.
import { readFile, writeFile } from "node:fs/promises";
import { catalogueMarkers, renderFailureCatalogue } from "../src/preflight/index.ts";
import { type GeneratedFile, generatedFiles, generatedPath } from "../src/schema/generated-files.ts";

async function readmeWithFailureCatalogue(): Promise<GeneratedFile> {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const begin = readme.indexOf(catalogueMarkers.begin);
  const end = readme.indexOf(catalogueMarkers.end);
  if (begin === -1 || end === -1) throw new Error("README.md has no preflight failure catalogue markers");
  const table = renderFailureCatalogue();
  return {
    path: "README.md",
    content: `${readme.slice(0, begin + catalogueMarkers.begin.length)}\n${table}\n${readme.slice(end)}`,
  };
}

for (const file of [...(await generatedFiles()), await readmeWithFailureCatalogue()]) {
  const path = generatedPath(file);
  const before = await readFile(path, "utf8").catch(() => undefined);
  if (before === file.content) continue;
  await writeFile(path, file.content);
  console.log(`wrote ${file.path}`);
}
