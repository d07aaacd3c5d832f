import { isMap, isPair, isScalar, type Pair } from "yaml";
import type { PositionedDocument, ValuesLayer } from "../values/index.ts";
import type { FindingSource } from "./finding.ts";

/** Where a value was last written, and its raw text when it was an unquoted YAML scalar. */
export interface LocatedValue {
  readonly source: FindingSource;
  /** Source text of an unquoted scalar (e.g. `yes`), to explain YAML typing. */
  readonly plainText?: string;
}

/** One path to point at. */
export interface LocateRequest {
  /** Keys from the root. */
  readonly path: readonly string[];
  /** Point at the key rather than the value (unknown keys). Default false. */
  readonly atKey?: boolean;
}

/** Where one prefix of a requested path was written (the last writer seen wins). */
type Match =
  | { readonly kind: "flag"; readonly layer: Extract<ValuesLayer, { kind: "flag" }> }
  | {
      readonly kind: "file";
      readonly name: string;
      readonly document: PositionedDocument;
      readonly pair: Pair;
    };

/** The requested paths as a tree, so each document is walked once whatever the number of findings. */
interface PathNode {
  readonly children: Map<string, PathNode>;
  match?: Match;
}

function pathTree(requests: readonly LocateRequest[]): PathNode {
  const root: PathNode = { children: new Map() };
  for (const { path } of requests) {
    let node = root;
    for (const key of path) {
      let child = node.children.get(key);
      if (child === undefined) {
        child = { children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
  }
  return root;
}

function walkDocument(tree: PathNode, contents: unknown, name: string, document: PositionedDocument): void {
  const pending: [PathNode, unknown][] = [[tree, contents]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, yamlNode] = next;
    if (!isMap(yamlNode)) continue;
    // In order, so a repeated key's last occurrence wins, as in Helm.
    for (const pair of yamlNode.items) {
      if (!isPair(pair)) continue;
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const child = node.children.get(key);
      if (child === undefined) continue;
      child.match = { kind: "file", name, document, pair };
      if (child.children.size > 0) pending.push([child, pair.value]);
    }
  }
}

function walkFlag(tree: PathNode, value: unknown, layer: Extract<ValuesLayer, { kind: "flag" }>): void {
  const pending: [PathNode, unknown][] = [[tree, value]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, current] = next;
    if (typeof current !== "object" || current === null || Array.isArray(current)) continue;
    for (const [key, child] of node.children) {
      if (!Object.hasOwn(current, key)) continue;
      child.match = { kind: "flag", layer };
      pending.push([child, (current as Record<string, unknown>)[key]]);
    }
  }
}

function located(match: Match, atKey: boolean): LocatedValue {
  if (match.kind === "flag") {
    const { flag, argument } = match.layer;
    return { source: { kind: "flag", flag, argument } };
  }
  const { pair, document, name } = match;
  const value = pair.value;
  const node = atKey || !isScalar(value) || value.range === undefined ? pair.key : value;
  const offset = isScalar(node) || isMap(node) ? (node.range?.[0] ?? 0) : 0;
  const { line, col } = document.lineCounter.linePos(offset);
  const plainText = isScalar(value) && value.type === "PLAIN" ? value.source : undefined;
  return {
    source: { kind: "file", file: name, line: line + document.firstLine, col },
    ...(plainText === undefined ? {} : { plainText }),
  };
}

/**
 * For each request, the layer that last wrote its path (later layers win, as in Helm), or the deepest
 * ancestor some layer wrote (a missing key); undefined when nothing can be pointed at. One pass over each
 * layer, however many paths are asked for.
 */
export function locateValues(
  layers: readonly ValuesLayer[],
  requests: readonly LocateRequest[],
): (LocatedValue | undefined)[] {
  const tree = pathTree(requests);
  for (const layer of layers) {
    if (layer.kind === "flag") {
      walkFlag(tree, layer.value, layer);
      continue;
    }
    for (const document of layer.file.documents()) {
      walkDocument(tree, document.document.contents, layer.file.name, document);
    }
  }
  return requests.map(({ path, atKey }) => {
    let node = tree;
    let deepest: Match | undefined;
    for (const key of path) {
      const child = node.children.get(key);
      if (child === undefined) break;
      node = child;
      if (child.match !== undefined) deepest = child.match;
      else break;
    }
    return deepest === undefined ? undefined : located(deepest, atKey === true);
  });
}
