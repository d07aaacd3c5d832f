import { type Document, LineCounter, parseAllDocuments, type Tags } from "yaml";
import { getOwn, setOwn } from "./own-property.ts";
import { ValuesError } from "./values-error.ts";

/** A values file parsed the way Helm parses it, with what is needed to point at a key. */
export interface ParsedValuesFile {
  /** The name shown in findings (as given on the command line). */
  readonly name: string;
  /** The file's documents (Helm 4 merges them in order). */
  readonly documents: readonly Document.Parsed[];
  readonly lineCounter: LineCounter;
  /** The merged documents as plain data. */
  readonly value: Record<string, unknown>;
}

// Helm reads values with sigs.k8s.io/yaml on go-yaml v2: YAML 1.1 booleans (yes/no/on/off/y/n) and
// octals (0755), plus Go's integer prefixes (0o17, 0X1F, 0B11). Timestamps and sexagesimal numbers
// stay strings: go-yaml v2 keeps a timestamp-looking scalar a string when decoding into interface{}.
const goIntPrefixes = {
  identify: (value: unknown) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  test: /^[-+]?(0[oO][0-7_]+|0X[0-9a-fA-F_]+|0B[01_]+)$/,
  resolve: (source: string) => {
    const sign = source.startsWith("-") ? -1 : 1;
    const digits = source.replace(/^[-+]/, "").replaceAll("_", "").toLowerCase();
    return sign * Number(digits);
  },
};

function helmTags(tags: Tags): Tags {
  const kept = tags.filter((tag) => {
    const name = typeof tag === "string" ? tag : tag.tag;
    const format = typeof tag === "string" ? undefined : tag.format;
    return name !== "tag:yaml.org,2002:timestamp" && format !== "TIME";
  });
  return [goIntPrefixes, ...kept];
}

/** Parses one values file as Helm 4 does (all documents deep-merged); throws ValuesError on bad YAML. */
export function parseValuesYaml(text: string, name: string): ParsedValuesFile {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    version: "1.1",
    customTags: helmTags,
    lineCounter,
    // go-yaml v2 (non-strict) lets a repeated key win; so does Helm.
    uniqueKeys: false,
  });
  const list = Array.isArray(documents) ? documents : [];
  let value: Record<string, unknown> = {};
  for (const document of list) {
    const error = document.errors[0];
    if (error !== undefined) {
      const at = error.linePos?.[0];
      const where = at === undefined ? name : `${name}:${at.line}:${at.col}`;
      throw new ValuesError(`${where}: not valid YAML: ${error.message.split("\n")[0]}`, {
        code: "E_VALUES_YAML",
        cause: error,
      });
    }
    const data: unknown = document.toJS({ maxAliasCount: 1000 });
    if (data === null || data === undefined) continue;
    if (typeof data !== "object" || Array.isArray(data)) {
      throw new ValuesError(`${name}: a values file must be a map of keys at the top level`, {
        code: "E_VALUES_YAML",
      });
    }
    value = mergeMaps(value, data as Record<string, unknown>);
  }
  return { name, documents: list, lineCounter, value };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Helm's loader.MergeMaps: maps merge recursively, anything else (lists, null) from `b` replaces. */
export function mergeMaps(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(b)) {
    const previous = getOwn(out, key);
    setOwn(out, key, isMap(value) && isMap(previous) ? mergeMaps(previous, value) : value);
  }
  return out;
}
