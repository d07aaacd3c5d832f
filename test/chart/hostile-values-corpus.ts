// A hostile corpus for the differential test (values-hostile.test.ts): inputs an attacker or a careless
// user would try, built deterministically (no randomness), each run through `spirl-keywrap validate` and
// Helm 4. Nothing here states the expected verdict: Helm's is the expected one.

/** One input: a values file (bytes), optional --set arguments and whether the file comes on stdin. */
export interface HostileCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly set?: readonly string[];
  /** Pass the file as `-f -` on standard input. */
  readonly stdin?: boolean;
}

const enc = new TextEncoder();
const base =
  'azure:\n  keyVault:\n    url: "https://my-managed-hsm.managedhsm.azure.net/"\n    keyName: "defakto-wrapping-key"\n';

function text(name: string, yaml: string, extra: Partial<HostileCase> = {}): HostileCase {
  return { name, bytes: enc.encode(yaml), ...extra };
}

function bytes(name: string, ...parts: (string | number[])[]): HostileCase {
  const chunks = parts.map((part) => (typeof part === "string" ? enc.encode(part) : Uint8Array.from(part)));
  return { name, bytes: Buffer.concat(chunks) };
}

function utf16(name: string, yaml: string, order: "le" | "be", bom = true): HostileCase {
  const le = Buffer.from(yaml, "utf16le");
  const body = order === "le" ? le : Buffer.from(le).swap16();
  const mark = order === "le" ? [0xff, 0xfe] : [0xfe, 0xff];
  return { name, bytes: Buffer.concat([Uint8Array.from(bom ? mark : []), body]) };
}

const withGlobal = (lines: string) => `${base}global:\n${lines}`;

function encodings(): HostileCase[] {
  const keyName = (raw: number[]) =>
    bytes(
      `keyName with bytes ${raw.map((b) => b.toString(16)).join(" ")}`,
      base.replace(/ {4}keyName.*\n/, ""),
      '    keyName: "k',
      raw,
      '"\n',
    );
  return [
    keyName([0xff]),
    keyName([0xc0, 0xaf]),
    keyName([0xed, 0xa0, 0x80]),
    keyName([0xe2, 0x82]),
    keyName([0x00]),
    keyName([0x1b, 0x5b, 0x33, 0x31, 0x6d]),
    keyName([0x7f]),
    keyName([0xc2, 0x80]),
    keyName([0xc2, 0x85]),
    bytes("ESC in a comment", base, "# \u001b[2J\n"),
    bytes("NUL at the end", base, [0x00]),
    bytes("UTF-8 BOM", [0xef, 0xbb, 0xbf], base),
    bytes("BOM in the middle", base, 'global:\n  a: "x\ufeffy"\n'),
    utf16("UTF-16LE with BOM", base, "le"),
    utf16("UTF-16BE with BOM", base, "be"),
    utf16("UTF-16LE without the final newline", base.trimEnd(), "le"),
    utf16("UTF-16BE without BOM", base, "be", false),
    text("CRLF line ends", base.replaceAll("\n", "\r\n")),
    text("CR line ends", base.replaceAll("\n", "\r")),
    text("\\e and \\0 escapes in a global string", withGlobal('  a: "x\\ey\\0z"\n')),
    text("escaped ESC sequence in an unknown key", `${base}"\\e[2J\\e[31mred": 1\n`),
    text(
      "newline in an unknown key forging a finding",
      `${base}"x\\n/etc/v.yaml:1:1 azure.keyVault.url: ok": 1\n`,
    ),
    text("bidi override in an unknown key", `${base}"abc\u202edcba": 1\n`),
    text("C1 and line separator in a global key", withGlobal('  "a\\x9b\\u2028b": 1\n')),
  ];
}

function aliases(): HostileCase[] {
  const many = (count: number) =>
    `  x: &a 1\n  l: [${Array.from({ length: count }, () => "*a").join(",")}]\n`;
  const laughs = (levels: number) => {
    const lines = ["  l0: &l0 [x,x,x,x,x,x,x,x,x]"];
    for (let level = 1; level < levels; level += 1)
      lines.push(`  l${level}: &l${level} [${Array.from({ length: 9 }, () => `*l${level - 1}`).join(",")}]`);
    return `${lines.join("\n")}\n`;
  };
  const bigAnchor = (keys: number, uses: number) =>
    `  m: &m {${Array.from({ length: keys }, (_, i) => `k${i}: ${i}`).join(", ")}}\n  l: [${Array.from({ length: uses }, () => "*m").join(",")}]\n`;
  return [
    text("1,500 aliases of one scalar anchor", withGlobal(many(1500))),
    text("5,000 aliases of one scalar anchor", withGlobal(many(5000))),
    text("billion laughs, 9 levels", withGlobal(laughs(9))),
    text("laughs, 4 levels", withGlobal(laughs(4))),
    text("laughs, 5 levels", withGlobal(laughs(5))),
    text("a 10-key map aliased 200 times", withGlobal(bigAnchor(10, 200))),
    text("a 100-key map aliased 50 times", withGlobal(bigAnchor(100, 50))),
    text("alias of an unknown anchor", withGlobal("  a: *nope\n")),
    text(
      "merge key supplies the key vault",
      `global:\n  kv: &kv\n    url: "https://abc.managedhsm.azure.net/"\n    keyName: k\nazure:\n  keyVault:\n    <<: *kv\n`,
    ),
    text(
      "merge key after an explicit bad key",
      `global:\n  kv: &kv\n    url: "https://abc.managedhsm.azure.net/"\n    keyName: k\nazure:\n  keyVault:\n    keyName: "bad key"\n    <<: *kv\n`,
    ),
    text(
      "merge key before an explicit bad key",
      `global:\n  kv: &kv\n    url: "https://abc.managedhsm.azure.net/"\n    keyName: k\nazure:\n  keyVault:\n    <<: *kv\n    keyName: "bad key"\n`,
    ),
    text("merge of a scalar", withGlobal("  a: &s 1\n  b:\n    <<: *s\n")),
  ];
}

function depth(): HostileCase[] {
  const flow = (levels: number) => withGlobal(`  d: ${"[".repeat(levels)}${"]".repeat(levels)}\n`);
  const blockMaps = (levels: number) =>
    withGlobal(
      Array.from({ length: levels }, (_, i) => `${"  ".repeat(i + 1)}k:\n`).join("") +
        `${"  ".repeat(levels + 1)}v: 1\n`,
    );
  const compactSeqs = (levels: number) => withGlobal(`  d:\n  ${"- ".repeat(levels)}1\n`);
  return [
    text("900 nested block maps", blockMaps(900)),
    text("2,000 nested block maps", blockMaps(2000)),
    text("5,000 nested flow lists", flow(5000)),
    text("9,998 nested flow lists", flow(9998)),
    text("10,001 nested flow lists", flow(10_001)),
    text("12,000 open flow lists", withGlobal(`  d: ${"[".repeat(12_000)}\n`)),
    text("9,900 nested compact block lists", compactSeqs(9900)),
    text("10,100 nested compact block lists", compactSeqs(10_100)),
  ];
}

function size(): HostileCase[] {
  const keys = (count: number, at: string) =>
    Array.from({ length: count }, (_, i) => `${at}key${i}: "value ${i}"`).join("\n");
  return [
    text("1 MB under global", `${base}global:\n${keys(30_000, "  ")}\n`),
    text("5,000 unknown top-level keys", `${base}${keys(5000, "")}\n`),
    text("a 1 MB string", withGlobal(`  s: "${"x".repeat(1_000_000)}"\n`)),
    text("a 200 KB key name", `${base}${"k".repeat(200_000)}: 1\n`),
  ];
}

function prototypeKeys(): HostileCase[] {
  const annotations = (key: string, value: string) =>
    `${base}serviceAccount:\n  annotations:\n    ${key}: ${value}\n`;
  return [
    text("__proto__ at the top", `${base}__proto__: 1\n`),
    text("__proto__ map at the top", `${base}__proto__:\n  polluted: true\n`),
    text("constructor at the top", `${base}constructor: 1\n`),
    text("prototype at the top", `${base}prototype: {}\n`),
    text("__proto__ in keyVault", `${base}    __proto__: x\n`),
    text("__proto__ annotation, a number", annotations("__proto__", "5")),
    text("__proto__ annotation, a string", annotations("__proto__", '"x"')),
    text("__proto__ annotation, a map", annotations("__proto__", "{a: 1}")),
    text("constructor annotation, a number", annotations("constructor", "5")),
    text("constructor annotation, a string", annotations("constructor", '"x"')),
    text("toString annotation, a string", annotations("toString", '"x"')),
    text("hasOwnProperty annotation, a number", annotations("hasOwnProperty", "5")),
    text("__proto__ under global", withGlobal("  __proto__: {a: 1}\n")),
    text("--set __proto__ annotation", base, { set: ["serviceAccount.annotations.__proto__=5"] }),
    text("--set-like __proto__ string annotation", base, { set: ["serviceAccount.annotations.__proto__=x"] }),
    text("--set __proto__ under keyVault", base, { set: ["azure.keyVault.__proto__=x"] }),
  ];
}

function yaml11(): HostileCase[] {
  const keyName = (value: string) => base.replace('keyName: "defakto-wrapping-key"', `keyName: ${value}`);
  const replicas = (value: string) => `${base}trustDomainServer:\n  replicas: ${value}\n`;
  return [
    ...[
      "yes",
      "'yes'",
      "on",
      "y",
      "~",
      "0x1F",
      "0755",
      "2001-12-14",
      "1:20",
      "!!str 5",
      "!!str yes",
      "!!int 5",
      "!!binary aGk=",
    ].map((value) => text(`keyName: ${value}`, keyName(value))),
    ...[
      "!!float 5",
      '!!int "5"',
      "!!str 5",
      "!!int 5.0",
      "!!float abc",
      "!!bool yes",
      "0x2",
      "0o2",
      "1_0",
      "1e0",
      "2.0",
      "2.5",
      ".inf",
      "-.inf",
      ".nan",
      "99999999999999999999",
      "!custom 2",
    ].map((value) => text(`replicas: ${value}`, replicas(value))),
    text("float key", withGlobal("  1.5: x\n  1e7: y\n  0.1: z\n")),
    text("integer and bool keys", withGlobal("  1: x\n  0x10: y\n  yes: z\n")),
    text("null key", withGlobal("  ~: x\n")),
    text("list key", withGlobal("  ? [a, b]\n  : x\n")),
    text(
      "duplicate keys, the last is good",
      base.replace("    keyName:", '    keyName: "bad key"\n    keyName:'),
    ),
    text("duplicate keys, the last is bad", `${base}    keyName: "bad key"\n`),
    text("separator with content", `${base}--- foo\n`),
    text("separator with a comment", `--- # values\n${base}---\n`),
    text("separator glued to a key", `---a: 1\n${base}`),
    text("document end marker, then more", `${base}...\nglobal: {a: 1}\n`),
    text("two documents, the second fixes the first", `${keyName('"bad key"')}---\n${base}`),
    text("two documents, the second breaks the first", `${base}---\n${keyName("yes")}`),
    text("a list at the top", "- a\n- b\n"),
    text("a scalar at the top", "hello\n"),
    text("an empty file", ""),
    text("only comments", "# nothing\n"),
    text("tab indentation", base.replace("    url", "\turl")),
    text("a %YAML directive", `%YAML 1.1\n---\n${base}`),
    text("on stdin", base, { stdin: true }),
    text("bad values on stdin", keyName("yes"), { stdin: true }),
  ];
}

function setIndexes(): HostileCase[] {
  const nested = (levels: number, index: number) => `global.a${`[${index}]`.repeat(levels)}=1`;
  return [
    text("--set index 65536", base, { set: ["global.a[65536]=1"] }),
    text("--set index 65537", base, { set: ["global.a[65537]=1"] }),
    text("--set index -1", base, { set: ["global.a[-1]=1"] }),
    text("--set 300 nested 65536 indexes", base, { set: [nested(300, 65536)] }),
    text("--set 1,000 nested 0 indexes", base, { set: [nested(1000, 0)] }),
    text("--set 30 nested names", base, {
      set: [`global.${Array.from({ length: 29 }, (_, i) => `n${i}`).join(".")}=1`],
    }),
    text("--set 31 nested names", base, {
      set: [`global.${Array.from({ length: 30 }, (_, i) => `n${i}`).join(".")}=1`],
    }),
    text("--set a list on a string value", base, { set: ["azure.keyVault.keyName[0]=x"] }),
    text("--set an index on a map", base, { set: ["azure.keyVault[0]=x"] }),
    text("--set a key with ESC", base, { set: ["global.\u001b[31mx=1"] }),
    text("--set an unknown key with ESC", base, { set: ["\u001b[31mx=1"] }),
  ];
}

/** Every hostile case, in a fixed order. */
export const hostileCorpus: readonly HostileCase[] = [
  ...encodings(),
  ...aliases(),
  ...depth(),
  ...size(),
  ...prototypeKeys(),
  ...yaml11(),
  ...setIndexes(),
];
