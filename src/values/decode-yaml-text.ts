import { ValuesError } from "./values-error.ts";

// go-yaml v2's reader (readerc.go), which Helm's YAML goes through: it picks the encoding from a byte order
// mark (UTF-16LE, UTF-16BE, else UTF-8, a UTF-8 BOM skipped), refuses malformed input and refuses any
// character outside YAML's printable set, raw NUL and ESC included, wherever it stands (in a quoted string
// too; the `\e` and `\0` escapes are fine). The `yaml` package accepts all of these, so check first.

/** #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const notPrintable = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function encodingOf(bytes: Uint8Array): { label: "utf-8" | "utf-16le" | "utf-16be"; bom: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { label: "utf-16le", bom: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { label: "utf-16be", bom: 2 };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { label: "utf-8", bom: 3 };
  return { label: "utf-8", bom: 0 };
}

/**
 * The text of one YAML document (starting on 0-based line `firstLine` of file `name`) as go-yaml v2 reads
 * it. Throws ValuesError (E_VALUES_YAML) naming the line and the first offending character, as Helm refuses
 * the file.
 */
export function decodeYamlText(bytes: Uint8Array, name: string, firstLine = 0): string {
  const { label, bom } = encodingOf(bytes);
  let text: string;
  try {
    text = new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom));
  } catch (error) {
    throw new ValuesError(`${name}: not valid YAML: the file is not valid ${label.toUpperCase()}`, {
      code: "E_VALUES_YAML",
      cause: error,
    });
  }
  const bad = notPrintable.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0;
    const line = firstLine + text.slice(0, bad.index).split("\n").length;
    throw new ValuesError(
      `${name}:${line}: not valid YAML: control characters are not allowed (U+${code.toString(16).toUpperCase().padStart(4, "0")})`,
      { code: "E_VALUES_YAML" },
    );
  }
  // YAML (and go-yaml) also breaks lines at a lone CR; the `yaml` package does not.
  return text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text;
}
