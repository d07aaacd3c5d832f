import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { chartDir, runHelm } from "../helpers/helm.ts";
import { mapLimit } from "../helpers/values-judges.ts";
import { type HostileCase, hostileCorpus } from "./hostile-values-corpus.ts";

// The differential test of issue 8: on every hostile input, `spirl-keywrap validate` and Helm 4 give the
// same verdict (valid or not), validate exits only 0, 1 or 2, and what it prints carries no raw control or
// format character (a key cannot forge a line or drive the terminal).

const dir = await mkdtemp(join(tmpdir(), "spirl-hostile-"));

async function validate(file: string, entry: HostileCase) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const args = [
    "validate",
    "-f",
    entry.stdin === true ? "-" : file,
    ...(entry.set ?? []).flatMap((set) => ["--set", set]),
  ];
  const stdin = Readable.from(entry.stdin === true ? [Buffer.from(entry.bytes)] : []);
  const code = await runCli(args, { stdout, stderr, stdin });
  return { code, out };
}

async function helm(file: string, entry: HostileCase) {
  const args = ["template", "t", chartDir, "-f", entry.stdin === true ? "-" : file];
  for (const set of entry.set ?? []) args.push("--set", set);
  const result = await runHelm("helm", args, {
    reject: false,
    ...(entry.stdin === true ? { input: entry.bytes } : {}),
  });
  return { valid: result.exitCode === 0, stderr: String(result.stderr).split("\n")[0] ?? "" };
}

describe("validate and Helm 4 agree on a hostile corpus", () => {
  it(`on all ${hostileCorpus.length} inputs (encodings, aliases, depth, size, prototype keys, control characters, YAML 1.1, --set indexes)`, {
    timeout: 240_000,
  }, async () => {
    const results = await mapLimit(hostileCorpus, 3, async (entry) => {
      const file = join(dir, `${hostileCorpus.indexOf(entry)}.yaml`);
      await writeFile(file, entry.bytes);
      const [ours, theirs] = await Promise.all([validate(file, entry), helm(file, entry)]);
      return {
        name: entry.name,
        code: ours.code,
        out: ours.out,
        helmValid: theirs.valid,
        helm: theirs.stderr,
      };
    });
    const disagreements = results
      .filter((result) => (result.code === 0) !== result.helmValid || ![0, 1, 2].includes(result.code))
      .map(({ name, code, out, helmValid, helm }) => ({
        name,
        validate: code,
        helmValid,
        out: out.slice(0, 300),
        helm: helm.slice(0, 300),
      }));
    // Newlines end lines; anything else below U+0020, C1, bidi and separators must arrive escaped.
    const unescaped = results
      .filter((result) => /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(result.out.replaceAll("\n", "")))
      .map((result) => result.name);
    const valid = results.filter((result) => result.helmValid).length;
    console.log(
      `hostile corpus: ${results.length} inputs (${valid} valid for Helm 4), ${results.length - disagreements.length} agree`,
    );
    expect(disagreements).toEqual([]);
    expect(unescaped).toEqual([]);
    // The corpus must exercise both verdicts, or agreement means little.
    expect(valid).toBeGreaterThan(20);
    expect(results.length - valid).toBeGreaterThan(20);
  });
});
