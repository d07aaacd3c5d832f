import { type Document, LineCounter, parseAllDocuments, type Tags } from "yaml";
import { decodeYamlText } from "./decode-yaml-text.ts";
import { getOwn, setOwn } from "./own-property.ts";
import { splitYamlDocuments } from "./split-yaml-documents.ts";
import { ValuesError } from "./values-error.ts";
import { YamlDecodeError, yamlToValues } from "./yaml-to-values.ts";

/** One YAML document of a values file, parsed with positions. */
export interface PositionedDocument {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** 0-based line of the file the document starts on. */
  readonly firstLine: number;
}

/** A values file parsed the way Helm parses it, with what is needed to point at a key. */
export interface ParsedValuesFile {
  /** The name shown in findings (as given on the command line). */
  readonly name: string;
  /** The merged documents as plain data. */
  readonly value: Record<string, unknown>;
  /**
   * The file's documents with positions (Helm 4 merges them in order). Parsed again on first call and
   * kept: most files are valid, and a big one then never holds its syntax tree and its values at once.
   */
  documents(): readonly PositionedDocument[];
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

interface DocumentText {
  readonly text: string;
  readonly firstLine: number;
}

function parseDocumentText({ text, firstLine }: DocumentText): PositionedDocument | undefined {
  const lineCounter = new LineCounter();
  // go-yaml reads the first document of what the splitter gave it (a `...` marker may end it early).
  const [document] = parseAllDocuments(text, {
    version: "1.1",
    customTags: helmTags,
    lineCounter,
    // go-yaml v2 (non-strict) lets a repeated key win; so does Helm.
    uniqueKeys: false,
  }) as Document.Parsed[];
  return document === undefined ? undefined : { document, lineCounter, firstLine };
}

function yamlError(name: string, parsed: PositionedDocument, offset: number | undefined, message: string) {
  const at = offset === undefined ? undefined : parsed.lineCounter.linePos(offset);
  const where = at === undefined ? name : `${name}:${at.line + parsed.firstLine}:${at.col}`;
  return new ValuesError(`${where}: not valid YAML: ${message}`, { code: "E_VALUES_YAML" });
}

function documentValue(name: string, parsed: PositionedDocument): unknown {
  const { document } = parsed;
  const error = document.errors[0];
  if (error !== undefined) {
    const message = /call stack/i.test(error.message)
      ? "nested too deeply for this thread's stack"
      : (error.message.split("\n")[0] ?? "");
    throw yamlError(name, parsed, error.pos[0], message);
  }
  try {
    return yamlToValues(document, helmTags);
  } catch (cause) {
    if (cause instanceof YamlDecodeError) throw yamlError(name, parsed, cause.offset, cause.message);
    if (cause instanceof RangeError)
      throw yamlError(name, parsed, undefined, "nested too deeply for this thread's stack");
    throw cause;
  }
}

/**
 * Parses one values file as Helm 4 does: cut into documents at `---` lines, each decoded as go-yaml reads
 * it (encoding, printable characters, aliases, depth) and all deep-merged in order. Throws ValuesError
 * where Helm refuses the file.
 */
export function parseValuesYaml(input: Uint8Array | string, name: string): ParsedValuesFile {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const texts = splitYamlDocuments(bytes, name).map(
    (document): DocumentText => ({
      text: decodeYamlText(document.bytes, name, document.firstLine),
      firstLine: document.firstLine,
    }),
  );
  let value: Record<string, unknown> = {};
  for (const text of texts) {
    // The splitter took the `---` a directive needs away, so go-yaml refuses any document that has one.
    if (/^(?:[ \t]*(?:#.*)?\n)*%/.test(text.text)) {
      throw new ValuesError(
        `${name}:${text.firstLine + 1}: not valid YAML: did not find expected <document start>`,
        {
          code: "E_VALUES_YAML",
        },
      );
    }
    const parsed = parseDocumentText(text);
    const data = parsed === undefined ? null : documentValue(name, parsed);
    if (data === null || data === undefined) continue;
    if (typeof data !== "object" || Array.isArray(data)) {
      throw new ValuesError(`${name}: a values file must be a map of keys at the top level`, {
        code: "E_VALUES_YAML",
      });
    }
    value = mergeMaps(value, data as Record<string, unknown>);
  }
  let documents: readonly PositionedDocument[] | undefined;
  return {
    name,
    value,
    documents: () => {
      documents ??= texts.map(parseDocumentText).filter((document) => document !== undefined);
      return documents;
    },
  };
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
