import type { z } from "zod";
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
import type { LocatedValue, LocateRequest } from "./locate-value.ts";
import { suggestKey } from "./suggest-key.ts";

/** Finds where each path was written; validateValues works without one (findings then have no source). */
export type Locator = (requests: readonly LocateRequest[]) => readonly (LocatedValue | undefined)[];

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

function valueAt(values: unknown, path: readonly string[]): unknown {
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

// Zod's record and object parsers skip a `__proto__` key (they guard their output against prototype
// pollution), so `annotations: {__proto__: 5}` would pass while Helm's schema refuses it. Such keys are
// renamed to a string no YAML file or argument can produce (a lone surrogate) before Zod runs, and back in
// the findings.
const protoKey = "__proto__";
const protoStandIn = "\ud800__proto__";

function withoutProtoKeys(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  let copy: Record<string, unknown> | undefined;
  // Own keys only: a --set list such as a[65536] holds one entry, not 65537 (see parse-set-argument.ts).
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const renamed = withoutProtoKeys(item);
    if (key !== protoKey && renamed === item && copy === undefined) continue;
    copy ??= Object.assign(Array.isArray(value) ? [] : {}, value) as Record<string, unknown>;
    if (key === protoKey) {
      delete copy[key];
      copy[protoStandIn] = renamed;
    } else copy[key] = renamed;
  }
  return copy ?? value;
}

const restoreKey = (key: PropertyKey) => (key === protoStandIn ? protoKey : String(key));

/** A finding waiting for its source: the path to locate, and how to word it once located. */
interface Draft {
  readonly path: readonly string[];
  readonly atKey: boolean;
  readonly finding: (located: LocatedValue | undefined) => Finding;
}

function draftsFor(values: unknown, issues: readonly z.core.$ZodIssue[]): Draft[] {
  const drafts: Draft[] = [];
  for (const issue of issues) {
    const path = issue.path.map(restoreKey);
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(nodeAt(path).properties ?? {});
      for (const key of issue.keys.map(restoreKey)) {
        const suggestion = suggestKey(key, known);
        const message = valueMessage({
          what: "is not a known key",
          expected: `one of ${known.join(", ")}`,
          got: describeGot(key),
          ...(suggestion === undefined ? {} : { hint: `did you mean ${suggestion}?` }),
        });
        const keyPath = [...path, key];
        drafts.push({
          path: keyPath,
          atKey: true,
          finding: () => ({ code: "unknown-key", path: keyPath, message }),
        });
      }
      continue;
    }
    const node = nodeAt(path);
    const value = valueAt(values, path);
    if (value === undefined) {
      const message = valueMessage({
        what: "is required",
        expected: expectedText(node),
        got: describeGot(value),
      });
      drafts.push({ path, atKey: false, finding: () => ({ code: "missing", path, message }) });
      continue;
    }
    // A rule across values (the model's own check, `code: "custom"`) brings its own words.
    const customExpected =
      issue.code === "custom" ? (issue.params as { expected?: unknown } | undefined)?.expected : undefined;
    const explanation: Explanation = explainValue(node, value) ?? {
      code: issue.code === "custom" ? "out-of-range" : "invalid-format",
      what: issue.message,
      expected: typeof customExpected === "string" ? customExpected : expectedText(node),
    };
    drafts.push({
      path,
      atKey: false,
      finding: (located) => {
        const hint = typingHint(located, value, node);
        const message = valueMessage({
          what: explanation.what,
          expected: explanation.expected,
          got: describeGot(value),
          ...(hint === undefined ? {} : { hint }),
        });
        return { code: explanation.code, path, message };
      },
    });
  }
  return drafts;
}

/**
 * Judges the final values (as Helm renders them) with the values model. Returns one finding per bad
 * value or key, in the model's order; an empty list means valid. `locate` is called once, with every
 * finding's path.
 */
export function validateValues(values: unknown, locate?: Locator): Finding[] {
  const result = spirlSystemValues.safeParse(withoutProtoKeys(values));
  if (result.success) return [];
  const seen = new Set<string>();
  const drafts = draftsFor(values, result.error.issues).filter((draft) => {
    const id = draft.path.join("\u0000");
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const located = locate?.(drafts.map(({ path, atKey }) => ({ path, atKey }))) ?? [];
  return drafts.map((draft, index) => {
    const where = located[index];
    const finding = draft.finding(where);
    return where === undefined ? finding : { ...finding, source: where.source };
  });
}
