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
