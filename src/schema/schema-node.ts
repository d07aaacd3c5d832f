import type { ValueMeta } from "../config/value-meta.ts";

/** The subset of a draft-07 JSON Schema node that the values model produces, with our `x-` annotations. */
export interface SchemaNode extends Partial<Omit<ValueMeta, "description">> {
  readonly description?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}
