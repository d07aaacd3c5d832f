import { readFile } from "node:fs/promises";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { EmulatorError } from "../errors.ts";
import { type EmulatorConfig, emulatorConfigSchema } from "./emulator-config.ts";

/** Reads and validates a YAML config; throws `CONFIG_INVALID` with `file:line:col: path: problem`. */
export async function loadEmulatorConfig(file: string): Promise<EmulatorConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new EmulatorError(`${file}: cannot read the config: ${(error as Error).message}`, {
      code: "CONFIG_INVALID",
      cause: error,
    });
  }
  return parseEmulatorConfig(text, file);
}

/** Validates YAML text; `file` only names the source in messages. */
export function parseEmulatorConfig(text: string, file: string): EmulatorConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const { line, col } = lineCounter.linePos(yamlError.pos[0]);
    throw new EmulatorError(`${file}:${line}:${col}: ${yamlError.message.split("\n")[0]}`, {
      code: "CONFIG_INVALID",
      cause: yamlError,
    });
  }
  const result = emulatorConfigSchema.safeParse(document.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const offset = nodeOffset(document.contents, issue.path);
  const { line, col } = lineCounter.linePos(offset);
  const path = issue.path
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("");
  throw new EmulatorError(
    `${file}:${line}:${col}: ${path.replace(/^\./, "") || "(root)"}: ${issue.message}`,
    { code: "CONFIG_INVALID", cause: result.error },
  );
}

/** Offset of the deepest node along `path` that exists (the parent when a key is missing). */
function nodeOffset(root: unknown, path: readonly PropertyKey[]): number {
  let node = root;
  let offset = 0;
  for (const part of path) {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range !== undefined) offset = range[0];
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === part);
      if (pair === undefined) return offset;
      const keyRange = (pair.key as { range?: [number, number, number] }).range;
      if (keyRange !== undefined) offset = keyRange[0];
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
    } else return offset;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0] ?? offset;
}
