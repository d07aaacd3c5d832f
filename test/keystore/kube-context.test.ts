import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { defaultNamespace } from "../../src/keystore/index.ts";

it("the default namespace is the in-cluster one when mounted, else default", async () => {
  const dir = await mkdtemp(join(tmpdir(), "namespace-"));
  const file = join(dir, "namespace");
  expect(defaultNamespace(file)).toBe("default");
  await writeFile(file, "spirl-system\n");
  expect(defaultNamespace(file)).toBe("spirl-system");
  await writeFile(file, "");
  expect(defaultNamespace(file)).toBe("default");
});
