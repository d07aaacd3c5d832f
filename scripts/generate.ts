// `npm run generate`: writes every file derived from the values model (src/config/values-model.ts).
import { readFile, writeFile } from "node:fs/promises";
import { generatedFiles, generatedPath } from "../src/schema/generated-files.ts";

for (const file of await generatedFiles()) {
  const path = generatedPath(file);
  const before = await readFile(path, "utf8").catch(() => undefined);
  if (before === file.content) continue;
  await writeFile(path, file.content);
  console.log(`wrote ${file.path}`);
}
