// The modules themselves, not src/schema/index.ts: the preflight's bundle explains values too, without zod.
import { expectedText, nodeTypes, typeWords, wrongFormat } from "../schema/describe-node.ts";
import type { SchemaNode } from "../schema/schema-node.ts";
import type { FindingCode } from "./finding.ts";

/** What is wrong with a value, in words, with the code of the finding. */
export interface Explanation {
  readonly code: FindingCode;
  readonly what: string;
  readonly expected: string;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function hasType(types: readonly string[], value: unknown): boolean {
  const actual = jsonType(value);
  return types.some((type) => type === actual || (type === "number" && actual === "integer"));
}

/**
 * Explains why `value` breaks `node`, checking in the same order as the generated template checks
 * (type, then pattern with its known problems, enum, length, range); undefined when it does not.
 */
export function explainValue(node: SchemaNode, value: unknown): Explanation | undefined {
  const expected = expectedText(node);
  const types = nodeTypes(node);
  if (!hasType(types, value)) return { code: "wrong-type", what: `must be ${typeWords(types)}`, expected };
  if (typeof value === "string") {
    if (node.pattern !== undefined && !new RegExp(node.pattern, "u").test(value)) {
      return { code: "invalid-format", what: explainPattern(node, value), expected };
    }
    if (node.enum !== undefined && !node.enum.includes(value)) {
      return { code: "not-allowed", what: "is not one of the allowed values", expected };
    }
    if (node.maxLength !== undefined && [...value].length > node.maxLength) {
      return { code: "too-long", what: `is longer than ${node.maxLength} characters`, expected };
    }
  }
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) {
      return { code: "out-of-range", what: `must be at least ${node.minimum}`, expected };
    }
    if (node.maximum !== undefined && value > node.maximum) {
      return { code: "out-of-range", what: `must be at most ${node.maximum}`, expected };
    }
  }
  return undefined;
}

function explainPattern(node: SchemaNode, value: string): string {
  for (const problem of node["x-problems"] ?? []) {
    const whenOk = problem.when === undefined || new RegExp(problem.when, "u").test(value);
    const unlessOk = problem.unless === undefined || !new RegExp(problem.unless, "u").test(value);
    if (whenOk && unlessOk) return problem.what;
  }
  return wrongFormat;
}
