// Which test produced which preflight failure code, in this vitest run: the assertion helpers record a
// code only after asserting that a run (or the classifier) produced it, and the failure catalogue test,
// which vitest runs after every other unit test file (its project's groupOrder), checks that every code
// in the catalogue was produced. A code merely mentioned in a test does not count.
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject } from "vitest";
import type { FailureCode } from "../../src/preflight/index.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** A directory fresh for each vitest run (see vitest.config.ts). */
    producedFailuresDir: string;
  }
}

/** One record: the code, and the test that produced it. */
export interface ProducedFailure {
  readonly code: FailureCode;
  readonly file: string;
  readonly test: string;
}

/** Records that the current test produced `code` (call only after asserting that it did). */
export function recordProducedFailure(code: FailureCode): void {
  const dir = inject("producedFailuresDir");
  mkdirSync(dir, { recursive: true });
  const { testPath, currentTestName } = expect.getState();
  const record: ProducedFailure = { code, file: testPath ?? "", test: currentTestName ?? "" };
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}

/** Everything recorded in this run so far; undefined when no producing test ran in it. */
export function producedFailures(): ProducedFailure[] | undefined {
  const dir = inject("producedFailuresDir");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  return names.flatMap((name) =>
    readFileSync(join(dir, name), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ProducedFailure),
  );
}
