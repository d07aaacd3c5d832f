import { z } from "zod";
import { spirlSystemValues } from "../config/values-model.ts";
import type { SchemaNode } from "./schema-node.ts";

let cached: SchemaNode | undefined;

/**
 * The values model as a draft-07 JSON Schema that still carries the `x-` annotations (expected text,
 * known problems). Everything generated from the model reads this; the published schema strips the `x-` keys.
 */
export function annotatedValuesSchema(): SchemaNode {
  cached ??= z.toJSONSchema(spirlSystemValues, {
    target: "draft-07",
    // Input mode: a value with a default is not `required`, and objects keep only what we declared.
    io: "input",
    override: ({ jsonSchema }) => simplify(jsonSchema as Record<string, unknown>),
  }) as SchemaNode;
  return cached;
}

function simplify(node: Record<string, unknown>): void {
  // `anyOf: [{type: string, pattern}, {type: number, minimum}]` becomes one node with `type: [string, number]`:
  // each keyword applies to its own type only, and Helm then prints one error line instead of a nested tree.
  const anyOf = node.anyOf as Record<string, unknown>[] | undefined;
  if (anyOf?.every((branch) => typeof branch.type === "string")) {
    delete node.anyOf;
    node.type = anyOf.map((branch) => branch.type);
    for (const branch of anyOf) {
      for (const [key, value] of Object.entries(branch)) if (key !== "type") node[key] = value;
    }
  }
  // Records: `propertyNames: {type: string}` says nothing for YAML keys, so keep the schema short.
  delete node.propertyNames;
  // RegExp#source escapes "/" as "\/"; both engines accept "/" and Helm prints the pattern verbatim.
  if (typeof node.pattern === "string") node.pattern = node.pattern.replaceAll("\\/", "/");
}
