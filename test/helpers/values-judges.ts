import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { publishedValuesSchema } from "../../src/schema/index.ts";
import { validateValues } from "../../src/validate/index.ts";
import { assembleValues } from "../../src/values/index.ts";
import { chartDir, type HelmName, runHelm } from "./helm.ts";

/** Writes a values file into a fresh temp folder and returns its path. */
export async function writeValuesFile(name: string, yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "spirl-values-"));
  const path = join(dir, `${name.replace(/[^A-Za-z0-9-]+/g, "-")}.yaml`);
  await writeFile(path, yaml);
  return path;
}

/** The Zod model's verdict on a values file, after helm-exact assembly. */
export async function judgeWithModel(file: string): Promise<boolean> {
  const { values } = await assembleValues({ valueFiles: [file] });
  return validateValues(values).length === 0;
}

let compiled: ReturnType<Ajv["compile"]> | undefined;

/** Ajv's verdict with the generated values.schema.json (strict mode, draft-07). */
export async function judgeWithAjv(file: string): Promise<boolean> {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
    publishedValuesSchema(),
  );
  const { values } = await assembleValues({ valueFiles: [file] });
  return compiled(values) === true;
}

/** A real helm's verdict: does `helm template` render the chart with this file? */
export async function judgeWithHelm(helm: HelmName, file: string, extraArgs: readonly string[] = []) {
  const result = await runHelm(helm, ["template", "t", chartDir, "-f", file, ...extraArgs], {
    reject: false,
  });
  return { valid: result.exitCode === 0, stderr: String(result.stderr) };
}

/** Runs `task` over `items` with at most `limit` in flight (helm is CPU-heavy on small machines). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
