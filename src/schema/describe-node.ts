import type { SchemaNode } from "./schema-node.ts";

// How a schema node is described in a finding, worded once for `spirl-keywrap validate`, the preflight and
// the chart's template checks.

/** The JSON types a node accepts, in the schema's order. */
export function nodeTypes(node: SchemaNode): readonly string[] {
  if (node.type === undefined) return [];
  return typeof node.type === "string" ? [node.type] : node.type;
}

/** "a string", "an integer", "a string or a number". */
export function typeWords(types: readonly string[]): string {
  return types.map((type) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`)).join(" or ");
}

/** The text after "expected" for a node. */
export function expectedText(node: SchemaNode): string {
  if (node["x-expected"] !== undefined) return node["x-expected"];
  if (node.enum !== undefined) return `one of ${node.enum.join(", ")}`;
  if (node.additionalProperties === false && node.properties !== undefined) {
    return `an object with ${Object.keys(node.properties).join(", ")}`;
  }
  return typeWords(nodeTypes(node));
}

/** The generic text when no known problem matches a failed pattern. */
export const wrongFormat = "has the wrong format";
