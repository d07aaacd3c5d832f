import type { SchemaNode } from "./schema-node.ts";

/** One declared value of the chart, found by walking the schema. */
export interface ValueEntry {
  /** Keys from the root, e.g. ["azure", "keyVault", "url"]. */
  readonly path: readonly string[];
  readonly node: SchemaNode;
  /** Listed in its parent's `required`. */
  readonly required: boolean;
  /** The chart default: the node's own `default`, else the key in its parent's default. */
  readonly defaultValue: unknown;
  /** True for objects with declared properties (the walk descends into them). */
  readonly isGroup: boolean;
}

/** Every declared value, depth first, in the model's order. */
export function walkValuesSchema(root: SchemaNode): ValueEntry[] {
  const entries: ValueEntry[] = [];
  const visit = (node: SchemaNode, path: readonly string[], inheritedDefault: unknown) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = [...path, key];
      const defaultValue =
        child.default !== undefined
          ? child.default
          : (inheritedDefault as Record<string, unknown> | undefined)?.[key];
      const isGroup = child.properties !== undefined && Object.keys(child.properties).length > 0;
      entries.push({
        path: childPath,
        node: child,
        required: node.required?.includes(key) ?? false,
        defaultValue,
        isGroup,
      });
      if (isGroup) visit(child, childPath, defaultValue);
    }
  };
  visit(root, [], root.default);
  return entries;
}
