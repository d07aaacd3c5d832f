import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type Scalar,
  type Tags,
} from "yaml";
import { setOwn } from "./own-property.ts";

// A YAML document turned into values as Helm does it: go-yaml v2 decodes into interface{}, then
// sigs.k8s.io/yaml converts the result to JSON and back. What that implies, and the `yaml` package's own
// toJS() does not do:
// - go-yaml v2's alias budget (decode.go allowedAliasRatio): a billion-laughs file fails early, while a
//   thousand aliases of one anchor are fine (toJS's maxAliasCount refuses them);
// - every alias decodes to a fresh copy, so a later --set into one copy leaves the others alone;
// - go-yaml's depth limit (10000 flow levels, 10000 indents);
// - explicit tags resolve as go-yaml resolves them (`!!float 5` is the number 5);
// - map keys become strings as sigs.k8s.io/yaml writes them; a null or collection key fails;
// - .inf and .nan fail (encoding/json cannot write them);
// - merge keys (`<<`) are decoded in place, in order, as go-yaml v2 does;
// - every key stays an own property, `__proto__` included.

/** A problem that makes Helm refuse the document, with Helm's wording. */
export class YamlDecodeError extends Error {
  override readonly name = "YamlDecodeError";
  /** Offset in the document's text, when known. */
  readonly offset: number | undefined;
  constructor(message: string, node?: Node) {
    super(message);
    this.offset = node?.range?.[0];
  }
}

const maxDepth = 10_000;
const aliasRatioRangeLow = 400_000;
const aliasRatioRangeHigh = 4_000_000;

function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= aliasRatioRangeLow) return 0.99;
  if (decodeCount >= aliasRatioRangeHigh) return 0.1;
  return 0.99 - (0.89 * (decodeCount - aliasRatioRangeLow)) / (aliasRatioRangeHigh - aliasRatioRangeLow);
}

const yamlTag = "tag:yaml.org,2002:";

/** go-yaml's float key text: strconv.FormatFloat(f, 'g', -1, 32), with YAML's names for the infinities. */
function float32Key(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  const single = Math.fround(value);
  if (single === 0) return Object.is(single, -0) ? "-0" : "0";
  let digits = "";
  for (let precision = 1; precision <= 9; precision += 1) {
    digits = single.toExponential(precision - 1);
    if (Math.fround(Number(digits)) === single) break;
  }
  const [mantissa = "", exponentText = "0"] = digits.split("e");
  const exponent = Number(exponentText);
  // Shortest formatting switches to an exponent from 1e+06 on (strconv: eprec = 6).
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(Number(digits));
}

class Decoder {
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly expanding = new Set<Node>();
  /** The anchors defined so far, in document order (an alias refers to the last one before it). */
  private readonly anchors = new Map<string, Node>();
  /** Each alias's target, fixed where the alias stands in the document, as go-yaml's parser fixes it. */
  private readonly targets = new Map<Node, Node | undefined>();
  private readonly customTags: (tags: Tags) => Tags;

  constructor(customTags: (tags: Tags) => Tags) {
    this.customTags = customTags;
  }

  private count(node: Node | undefined): void {
    this.decodeCount += 1;
    if (this.aliasDepth > 0) this.aliasCount += 1;
    if (
      this.aliasCount > 100 &&
      this.decodeCount > 1000 &&
      this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)
    ) {
      throw new YamlDecodeError("document contains excessive aliasing", node);
    }
  }

  decode(node: unknown, flowDepth: number, blockDepth: number): unknown {
    this.count(node as Node | undefined);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = this.target(node);
      if (target === undefined) throw new YamlDecodeError(`unknown anchor '${node.source}' referenced`, node);
      if (this.expanding.has(target))
        throw new YamlDecodeError(`anchor '${node.source}' value contains itself`, node);
      this.expanding.add(target);
      this.aliasDepth += 1;
      try {
        return this.decode(target, flowDepth, blockDepth);
      } finally {
        this.aliasDepth -= 1;
        this.expanding.delete(target);
      }
    }
    // Alias.resolve() searches the whole document on every call: quadratic for thousands of aliases.
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor !== undefined && this.aliasDepth === 0) this.anchors.set(anchor, node as Node);
    if (isScalar(node)) return this.scalar(node);
    const flow = (node as { flow?: boolean }).flow === true;
    const nextFlow = flow ? flowDepth + 1 : flowDepth;
    const nextBlock = flow ? blockDepth : blockDepth + 1;
    if (nextFlow > maxDepth || nextBlock > maxDepth) {
      throw new YamlDecodeError(`exceeded max depth of ${maxDepth}`, node as Node);
    }
    if (isSeq(node)) return node.items.map((item) => this.decode(item, nextFlow, nextBlock));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      this.mapInto(node.items, out, nextFlow, nextBlock);
      return out;
    }
    throw new YamlDecodeError("unsupported YAML node", node as Node);
  }

  private target(alias: Alias): Node | undefined {
    if (!this.targets.has(alias)) this.targets.set(alias, this.anchors.get(alias.source));
    return this.targets.get(alias);
  }

  private mapInto(
    items: readonly unknown[],
    out: Record<string, unknown>,
    flow: number,
    block: number,
  ): void {
    for (const pair of items) {
      if (!isPair(pair)) continue;
      if (isScalar(pair.key) && typeof pair.key.value === "symbol") {
        this.merge(pair.value, out, flow, block);
        continue;
      }
      const key = this.key(pair.key, flow, block);
      setOwn(out, key, this.decode(pair.value, flow, block));
    }
  }

  /** go-yaml v2's merge: the merged maps are decoded into `out` in place, a list of them last to first. */
  private merge(node: unknown, out: Record<string, unknown>, flow: number, block: number): void {
    const wantMap = () =>
      new YamlDecodeError("map merge requires map or sequence of maps as the value", node as Node);
    const mergeOne = (item: unknown) => {
      const target = isAlias(item) ? this.target(item) : item;
      if (!isMap(target)) throw wantMap();
      const merged = this.decode(item, flow, block) as Record<string, unknown>;
      for (const [key, value] of Object.entries(merged)) setOwn(out, key, value);
    };
    if (isMap(node) || isAlias(node)) mergeOne(node);
    else if (isSeq(node)) for (const item of [...node.items].reverse()) mergeOne(item);
    else throw wantMap();
  }

  private key(node: unknown, flow: number, block: number): string {
    const value = this.decode(node, flow, block);
    if (typeof value === "string") return value;
    if (typeof value === "boolean") return String(value);
    if (typeof value === "number") {
      const integer = isScalar(node) && !isFloatText(String(node.source ?? node.value));
      return integer && Number.isInteger(value) ? String(value) : float32Key(value);
    }
    throw new YamlDecodeError(
      `error converting YAML to JSON: unsupported map key of type: ${value === null ? "<nil>" : "map or list"}`,
      node as Node,
    );
  }

  private scalar(node: Scalar): unknown {
    const value = node.tag?.startsWith(yamlTag) ? this.tagged(node) : node.value;
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new YamlDecodeError(
        `error converting YAML to JSON: json: unsupported value: ${Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"}`,
        node,
      );
    }
    return value;
  }

  /** go-yaml's resolve(tag, text): the text read as a plain scalar, then converted to the tag or refused. */
  private tagged(node: Scalar): unknown {
    const tag = (node.tag ?? "").slice(yamlTag.length);
    const text = typeof node.source === "string" ? node.source : String(node.value);
    if (tag === "str") return text;
    if (tag === "binary") return Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
    if (tag === "timestamp" || tag === "merge") return node.value;
    const implicit = this.implicit(text);
    const implicitTag =
      implicit === null
        ? "null"
        : typeof implicit === "boolean"
          ? "bool"
          : typeof implicit === "number"
            ? isFloatText(text) || !Number.isInteger(implicit)
              ? "float"
              : "int"
            : "str";
    if (implicitTag === tag || (tag === "float" && implicitTag === "int")) return implicit;
    throw new YamlDecodeError(`cannot decode !!${implicitTag} \`${text}\` as a !!${tag}`, node);
  }

  private implicit(text: string): unknown {
    if (!/^[-+.0-9A-Za-z_~:]*$/.test(text)) return text;
    if (text === "" || text === "~") return null;
    const parsed = parseDocument(text, { version: "1.1", customTags: this.customTags });
    return isScalar(parsed.contents) ? parsed.contents.value : text;
  }
}

/** True for a number written as a float (a dot, an exponent, .inf or .nan), not a hex or octal int. */
function isFloatText(text: string): boolean {
  if (/^[-+]?0[xX]/.test(text)) return false;
  return /[.eE]|inf|nan/i.test(text);
}

/**
 * The values of one parsed document as Helm 4 sees them. Throws YamlDecodeError where go-yaml or
 * sigs.k8s.io/yaml would refuse the document.
 */
export function yamlToValues(document: Document.Parsed, customTags: (tags: Tags) => Tags): unknown {
  const decoder = new Decoder(customTags);
  return decoder.decode(document.contents, 0, 0);
}
