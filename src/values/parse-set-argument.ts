import { getOwn, setOwn } from "./own-property.ts";
import { ValuesError } from "./values-error.ts";

// A port of Helm's pkg/strvals parser (helm.sh/helm/v4 v4.3.2, same in v3.22): `--set` and `--set-string`
// arguments are parsed into the values map in place, with Helm's typing and its quirks.

/** Options of parseSetArgument. */
export interface ParseSetOptions {
  /** `--set-string`: every value stays a string. Default false (`--set` typing). */
  readonly asString?: boolean;
}

const maxIndex = 65536;
const maxNestedNameLevel = 30;

class Eof extends Error {}
class NotList extends Error {}

class Scanner {
  private index = 0;
  private readonly runes: string[];
  constructor(text: string) {
    this.runes = [...text];
  }
  read(): string | undefined {
    const rune = this.runes[this.index];
    if (rune !== undefined) this.index += 1;
    return rune;
  }
  unread(): void {
    this.index -= 1;
  }
  /** Reads until one of `stop` (consumed) or the end; a backslash escapes the next rune. */
  until(stop: string): { runes: string; last: string | undefined; eof: boolean } {
    let runes = "";
    for (;;) {
      const rune = this.read();
      if (rune === undefined) return { runes, last: undefined, eof: true };
      if (stop.includes(rune)) return { runes, last: rune, eof: false };
      if (rune === "\\") {
        const next = this.read();
        if (next === undefined) return { runes, last: undefined, eof: true };
        runes += next;
      } else runes += rune;
    }
  }
}

/** Helm's strvals typedVal: true/false/null (any case), 0, and decimal int64 without a leading 0. */
export function typedSetValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (text === "0") return 0;
  if (text !== "" && text[0] !== "0" && /^[-+]?[0-9]+$/.test(text)) {
    const big = BigInt(text);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return Number(big);
  }
  return text;
}

type ValuesMap = Record<string, unknown>;

function set(data: ValuesMap, key: string, value: unknown): void {
  if (key === "") return;
  setOwn(data, key, value);
}

/** Gaps up to this many slots are filled with null; longer ones stay holes. */
const maxFilledGap = 1024;

/**
 * Helm grows the list to `index + 1` with nil slots. A long gap stays a hole here (read as missing, like
 * nil): `a[65536][65536]…=1` then costs one entry per level, not 65537, where filling them took gigabytes
 * at a few thousand levels while Go's zeroed allocations cost Helm nothing.
 */
function setIndex(list: unknown[], index: number, value: unknown): unknown[] {
  if (index < 0) throw new Error(`negative ${index} index not allowed`);
  if (index > maxIndex)
    throw new Error(`index of ${index} is greater than maximum supported index of ${maxIndex}`);
  if (index - list.length <= maxFilledGap) while (list.length < index) list.push(null);
  list[index] = value;
  return list;
}

class SetParser {
  private readonly sc: Scanner;
  private readonly asString: boolean;
  constructor(sc: Scanner, asString: boolean) {
    this.sc = sc;
    this.asString = asString;
  }

  parse(data: ValuesMap): void {
    for (;;) {
      try {
        this.key(data, 0);
      } catch (error) {
        if (error instanceof Eof) return;
        throw error;
      }
    }
  }

  private key(data: ValuesMap, level: number): void {
    for (;;) {
      const { runes: k, last, eof } = this.sc.until("=[,.");
      if (eof) {
        if (k.length === 0) throw new Eof();
        throw new Error(`key "${k}" has no value`);
      }
      if (last === "[") {
        const index = this.keyIndex();
        const existing = getOwn(data, k);
        if (existing !== undefined && !Array.isArray(existing))
          throw new Error(`unable to parse key: interface conversion: not a list`);
        const list: unknown[] = Array.isArray(existing) ? existing : [];
        try {
          set(data, k, this.listItem(list, index, level));
        } catch (error) {
          // Helm stores the list even when the item ran out of input (`a[0]` alone).
          if (error instanceof Eof) set(data, k, list);
          throw error;
        }
        return;
      }
      if (last === "=") {
        let list: unknown[];
        try {
          list = this.valList();
        } catch (error) {
          if (error instanceof Eof) {
            set(data, k, "");
            throw error;
          }
          if (!(error instanceof NotList)) throw error;
          // Helm drops the end-of-input here: the next key() call meets it.
          set(data, k, typedSetValue(this.sc.until(",").runes, this.asString));
          return;
        }
        set(data, k, list);
        return;
      }
      if (last === ",") {
        set(data, k, "");
        throw new Error(`key "${k}" has no value (cannot end with ,)`);
      }
      // last === "."
      if (level + 1 > maxNestedNameLevel) {
        throw new Error(
          `value name nested level is greater than maximum supported nested level of ${maxNestedNameLevel}`,
        );
      }
      const existing = getOwn(data, k);
      if (
        existing !== undefined &&
        (typeof existing !== "object" || existing === null || Array.isArray(existing))
      ) {
        throw new Error(`unable to parse key: interface conversion: ${k} is not a map`);
      }
      const inner = (existing as ValuesMap | undefined) ?? {};
      let failure: unknown;
      try {
        this.key(inner, level + 1);
      } catch (error) {
        failure = error;
      }
      if (failure === undefined && Object.keys(inner).length === 0)
        throw new Error(`key map "${k}" has no value`);
      if (Object.keys(inner).length !== 0) set(data, k, inner);
      if (failure !== undefined) throw failure;
      return;
    }
  }

  private keyIndex(): number {
    const { runes, eof } = this.sc.until("]");
    if (eof) throw new Eof();
    if (!/^[-+]?[0-9]+$/.test(runes))
      throw new Error(`error parsing index: strconv.Atoi: parsing "${runes}": invalid syntax`);
    return Number(runes);
  }

  private listItem(list: unknown[], index: number, level: number): unknown[] {
    if (index < 0) throw new Error(`negative ${index} index not allowed`);
    const { runes, last, eof } = this.sc.until("[.=");
    if (runes.length > 0) throw new Error(`unexpected data at end of array index: "${runes}"`);
    if (eof) throw new Eof();
    if (last === "=") {
      try {
        return setIndex(list, index, this.valList());
      } catch (error) {
        if (error instanceof Eof) return setIndex(list, index, "");
        if (!(error instanceof NotList)) throw error;
        const value = this.sc.until(",");
        return setIndex(list, index, typedSetValue(value.runes, this.asString));
      }
    }
    if (last === "[") {
      const next = this.keyIndex();
      const existing = list[index];
      const inner = Array.isArray(existing) ? existing : [];
      return setIndex(list, index, this.listItem(inner, next, level));
    }
    // last === "."
    const existing = list[index];
    const inner =
      typeof existing === "object" && existing !== null && !Array.isArray(existing)
        ? (existing as ValuesMap)
        : {};
    if (index < list.length) list[index] = inner;
    this.key(inner, level);
    return setIndex(list, index, inner);
  }

  private valList(): unknown[] {
    const first = this.sc.read();
    if (first === undefined) throw new Eof();
    if (first !== "{") {
      this.sc.unread();
      throw new NotList();
    }
    const list: unknown[] = [];
    for (;;) {
      const { runes, last, eof } = this.sc.until(",}");
      if (eof) throw new Error("list must terminate with '}'");
      list.push(typedSetValue(runes, this.asString));
      if (last === "}") {
        const after = this.sc.read();
        if (after !== undefined && after !== ",") this.sc.unread();
        return list;
      }
    }
  }
}

/**
 * Applies one `--set`/`--set-string` argument (`a.b=1,c[0]=x`) to `data` in place, exactly as Helm
 * does; throws ValuesError (code E_VALUES_SET) with Helm's reason on bad syntax.
 */
export function parseSetArgument(argument: string, data: ValuesMap, options: ParseSetOptions = {}): void {
  const flag = options.asString === true ? "--set-string" : "--set";
  try {
    new SetParser(new Scanner(argument), options.asString ?? false).parse(data);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValuesError(`${flag} ${argument.split("=")[0]}: cannot parse: ${reason}`, {
      code: "E_VALUES_SET",
      cause: error,
    });
  }
}
