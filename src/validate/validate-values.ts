import { spirlSystemValues } from "../config/values-model.ts";
import { printable } from "../errors/index.ts";
import {
  annotatedValuesSchema,
  describeGot,
  expectedText,
  type SchemaNode,
  valueMessage,
} from "../schema/index.ts";
import { type Explanation, explainValue } from "./explain-value.ts";
import type { Finding } from "./finding.ts";
import type { LocatedValue, LocateOptions } from "./locate-value.ts";
import { suggestKey } from "./suggest-key.ts";

/** Finds where a path was written; validateValues works without one (findings then have no source). */
export type Locator = (path: readonly string[], options: LocateOptions) => LocatedValue | undefined;

function nodeAt(path: readonly PropertyKey[]): SchemaNode {
  let node: SchemaNode = annotatedValuesSchema();
  for (const key of path) {
    const properties = node.properties ?? {};
    const next: SchemaNode | boolean | undefined = Object.hasOwn(properties, String(key))
      ? properties[String(key)]
      : node.additionalProperties;
    node = typeof next === "object" ? next : {};
  }
  return node;
}

function valueAt(values: unknown, path: readonly PropertyKey[]): unknown {
  let current = values;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "number" ? "number" : typeof value;
}

function typingHint(located: LocatedValue | undefined, value: unknown, node: SchemaNode): string | undefined {
  const wantsString = node.type === "string" || (Array.isArray(node.type) && node.type.includes("string"));
  if (!wantsString || typeof value === "string" || (typeof value === "object" && value !== null))
    return undefined;
  if (located?.source.kind === "flag" && located.source.flag === "--set") {
    return `--set reads this as a ${jsonTypeName(value)}; use --set-string to pass a string`;
  }
  if (located?.plainText !== undefined) {
    return `YAML reads unquoted ${printable(located.plainText)} as ${jsonTypeName(value)} ${describeGot(value)}; quote it`;
  }
  return undefined;
}

/**
 * Judges the final values (as Helm renders them) with the values model. Returns one finding per bad
 * value or key, in the model's order; an empty list means valid.
 */
export function validateValues(values: unknown, locate?: Locator): Finding[] {
  const result = spirlSystemValues.safeParse(values);
  if (result.success) return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (finding: Finding, located: LocatedValue | undefined) => {
    const id = finding.path.join("\u0000");
    if (seen.has(id)) return;
    seen.add(id);
    findings.push(located === undefined ? finding : { ...finding, source: located.source });
  };
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(nodeAt(path).properties ?? {});
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, known);
        const keyPath = [...path, key];
        const message = valueMessage({
          what: "is not a known key",
          expected: `one of ${known.join(", ")}`,
          got: describeGot(key),
          ...(suggestion === undefined ? {} : { hint: `did you mean ${suggestion}?` }),
        });
        add({ code: "unknown-key", path: keyPath, message }, locate?.(keyPath, { atKey: true }));
      }
      continue;
    }
    const node = nodeAt(path);
    const value = valueAt(values, path);
    const located = locate?.(path, {});
    if (value === undefined) {
      const message = valueMessage({
        what: "is required",
        expected: expectedText(node),
        got: describeGot(value),
      });
      add({ code: "missing", path, message }, located);
      continue;
    }
    const explanation: Explanation = explainValue(node, value) ?? {
      code: "invalid-format",
      what: issue.message,
      expected: expectedText(node),
    };
    const hint = typingHint(located, value, node);
    const message = valueMessage({
      what: explanation.what,
      expected: explanation.expected,
      got: describeGot(value),
      ...(hint === undefined ? {} : { hint }),
    });
    add({ code: explanation.code, path, message }, located);
  }
  return findings;
}
