import { ValuesError } from "./values-error.ts";

// Helm 4 does not hand a values file to the YAML parser whole: loader.LoadValues appends a newline when the
// last byte is not one, then k8s.io/apimachinery's YAMLReader cuts it into documents at every line that
// starts with `---` (only spaces or a comment may follow), reading lines with bufio's ReadLine, which drops
// the `\r` of a `\r\n`. Each document is then parsed alone. Done on bytes, as Helm does, before decoding.

const newline = 0x0a;
const carriageReturn = 0x0d;
const dash = 0x2d;

/** One document of a values file: its bytes and the 0-based line of the file it starts on. */
export interface YamlDocumentBytes {
  readonly bytes: Uint8Array;
  readonly firstLine: number;
}

function isSeparator(line: Uint8Array): boolean {
  return line.length >= 3 && line[0] === dash && line[1] === dash && line[2] === dash;
}

/** The documents of a values file as Helm 4 cuts them; throws ValuesError on a separator with content. */
export function splitYamlDocuments(input: Uint8Array, name: string): YamlDocumentBytes[] {
  const documents: YamlDocumentBytes[] = [];
  const parts: Uint8Array[] = [];
  let partsLength = 0;
  let firstLine = 0;
  const flush = () => {
    if (partsLength === 0) return;
    const bytes = new Uint8Array(partsLength);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    documents.push({ bytes, firstLine });
    parts.length = 0;
    partsLength = 0;
  };
  let start = 0;
  let lineNumber = 0;
  while (start < input.length) {
    const end = input.indexOf(newline, start);
    const lineEnd = end === -1 ? input.length : end;
    // ReadLine drops "\r\n" or "\n" (the last line too: LoadValues added a "\n"); the reader adds back "\n".
    const contentEnd = lineEnd > start && input[lineEnd - 1] === carriageReturn ? lineEnd - 1 : lineEnd;
    const line = input.subarray(start, contentEnd);
    if (isSeparator(line)) {
      const rest = new TextDecoder().decode(line.subarray(3)).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        throw new ValuesError(
          `${name}:${lineNumber + 1}: not valid YAML: invalid Yaml document separator: ${rest}`,
          { code: "E_VALUES_YAML" },
        );
      }
      flush();
      firstLine = lineNumber + 1;
    } else {
      if (partsLength === 0) firstLine = lineNumber;
      parts.push(line, Uint8Array.of(newline));
      partsLength += line.length + 1;
    }
    start = lineEnd + 1;
    lineNumber += 1;
  }
  flush();
  return documents;
}
