import { isMap, isPair, isScalar, type Pair } from "yaml";
import type { ValuesLayer } from "../values/index.ts";
import type { FindingSource } from "./finding.ts";

/** Where a value was last written, and its raw text when it was an unquoted YAML scalar. */
export interface LocatedValue {
  readonly source: FindingSource;
  /** Source text of an unquoted scalar (e.g. `yes`), to explain YAML typing. */
  readonly plainText?: string;
}

/** Options of locateValue. */
export interface LocateOptions {
  /** Point at the key rather than the value (unknown keys). Default false. */
  readonly atKey?: boolean;
}

function hasPath(value: unknown, path: readonly string[]): boolean {
  let current = value;
  for (const key of path) {
    if (
      typeof current !== "object" ||
      current === null ||
      Array.isArray(current) ||
      !Object.hasOwn(current, key)
    ) {
      return false;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

function findPair(contents: unknown, path: readonly string[]): Pair | undefined {
  let node = contents;
  let pair: Pair | undefined;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    pair = node.items.findLast(
      (item) => isPair(item) && String(isScalar(item.key) ? item.key.value : item.key) === key,
    );
    if (pair === undefined) return undefined;
    node = pair.value;
  }
  return pair;
}

/**
 * The layer that last wrote `path` (later layers win, as in Helm), or the nearest ancestor when no layer
 * wrote it (a missing key). Undefined when nothing can be pointed at.
 */
export function locateValue(
  layers: readonly ValuesLayer[],
  path: readonly string[],
  options: LocateOptions = {},
): LocatedValue | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const prefix = path.slice(0, length);
    for (const layer of [...layers].reverse()) {
      if (layer.kind === "flag") {
        if (hasPath(layer.value, prefix))
          return { source: { kind: "flag", flag: layer.flag, argument: layer.argument } };
        continue;
      }
      const { file } = layer;
      for (const document of [...file.documents].reverse()) {
        const pair = findPair(document.contents, prefix);
        if (pair === undefined) continue;
        const value = pair.value;
        const node =
          options.atKey === true || !isScalar(value) || value.range === undefined ? pair.key : value;
        const offset = isScalar(node) || isMap(node) ? (node.range?.[0] ?? 0) : 0;
        const { line, col } = file.lineCounter.linePos(offset);
        const plainText = isScalar(value) && value.type === "PLAIN" ? value.source : undefined;
        return {
          source: { kind: "file", file: file.name, line, col },
          ...(plainText === undefined ? {} : { plainText }),
        };
      }
    }
  }
  return undefined;
}
