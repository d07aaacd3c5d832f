// Messages quote what users typed (file names, keys, flags, values). Whatever came from input is escaped
// before it is printed, so no key or file name can move the cursor, recolour the terminal, reorder text
// (bidi overrides) or start a new line that looks like a finding of its own.

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const goPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const goEscapes: Readonly<Record<string, string>> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** Options of {@link printable}. */
export interface PrintableOptions {
  /** Also escape `"` (inside a quoted string). Default false. */
  readonly quote?: boolean;
}

/**
 * The text with `\` and every rune Go would not print (controls, C1, bidi and other format characters,
 * line and paragraph separators) escaped as Go's `%q` escapes them: `\n`, `\x1b`, `\u202e`, `\U000e0001`.
 */
export function printable(text: string, options: PrintableOptions = {}): string {
  let out = "";
  for (const rune of text) {
    const code = rune.codePointAt(0) ?? 0;
    if (rune === "\\" || (rune === '"' && options.quote === true)) out += `\\${rune}`;
    else if (goPrintable.test(rune)) out += rune;
    else if (goEscapes[rune] !== undefined) out += goEscapes[rune];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return out;
}

/** A string quoted as Go's `%q` does. */
export function quoteLikeGo(text: string): string {
  return `"${printable(text, { quote: true })}"`;
}

/** JSON text with every non-printing character \u-escaped as well (JSON.stringify leaves C1, bidi, U+2028 raw). */
export function printableJson(json: string): string {
  return json.replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} \n]/gu, (rune) =>
    [...Array.from({ length: rune.length }, (_, i) => rune.charCodeAt(i))]
      .map((unit) => `\\u${unit.toString(16).padStart(4, "0")}`)
      .join(""),
  );
}
