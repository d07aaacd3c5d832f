/**
 * What the values model says about one value beyond its type: the text people read. It is attached with
 * zod's `.meta()` and travels into the annotated JSON Schema, from which the README table, `values.yaml`,
 * the template checks and the validator's messages are all derived.
 */
export interface ValueMeta {
  /** One sentence for the README table and the comment in `values.yaml`. */
  readonly description: string;
  /** The chart default, written to `values.yaml`. Omit for values the chart does not set. */
  readonly default?: unknown;
  /** What a correct value looks like, for "expected …" in messages. */
  readonly "x-expected"?: string;
  /** README "Default" cell when the raw default would mislead (e.g. "Latest version"). */
  readonly "x-default-text"?: string;
  /** Leave out of `values.yaml` and the README (plumbing such as `global`). */
  readonly "x-hidden"?: boolean;
  /** Known mistakes, tried in order when the pattern fails; the first match explains the failure. */
  readonly "x-problems"?: readonly ValueProblem[];
  /**
   * Dotted path of a `<n>s` duration this integer must exceed. JSON Schema cannot compare two values, so
   * values.schema.json does not state it: the model's own check, the validator and the template checks do
   * (Helm still refuses such values, through the template checks).
   */
  readonly "x-exceeds-seconds"?: string;
}

/** Words of an `x-exceeds-seconds` failure, shared by the model's check and the template checks. */
export function exceedsSecondsWords(
  otherPath: string,
  otherValue: string,
  expected: string,
): { what: string; expected: string } {
  return {
    what: `must be more than ${otherPath} (${otherValue})`,
    expected: `${expected}, more than the seconds of ${otherPath}`,
  };
}

/** A known way to get a value wrong, recognised by a regex (RE2 and JS compatible: no lookaround). */
export interface ValueProblem {
  /** Regex the string value matches when it has this problem. */
  readonly when?: string;
  /** Regex the string value fails to match when it has this problem (RE2 has no negative lookahead). */
  readonly unless?: string;
  /** What is wrong, phrased to follow the value's path: "is a standard Key Vault URL; …". */
  readonly what: string;
}
