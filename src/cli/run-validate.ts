import { statSync } from "node:fs";
import { judgeValues } from "./judge-values.ts";
import { runValidateInWorker } from "./run-validate-in-worker.ts";
import type { ValidateJob, ValidateResult } from "./validate-job.ts";

/**
 * Input up to this size is judged on the main thread: its heap holds it many times over (45-75 MB per MB of
 * YAML). A worker costs a second module graph (~0.5 s cold), so only bigger input pays for one.
 */
const inlineLimitBytes = 1_000_000;
/** What parse-values-yaml.ts says when the YAML reader or the values walk ran out of stack. */
const stackExhausted = "nested too deeply for this thread's stack";

function inputBytes(job: ValidateJob): number {
  let bytes = job.stdin?.length ?? 0;
  for (const file of job.valueFiles) {
    // A file that cannot be stat'ed is reported by the reader itself, wherever it runs.
    bytes += file.trim() === "-" ? 0 : (statSync(file, { throwIfNoEntry: false })?.size ?? 0);
  }
  for (const argument of [...job.set, ...job.setString]) bytes += argument.length;
  return bytes;
}

/**
 * Judges the values on this thread when they are small, and in a worker (a 256 MB stack, a heap ceiling)
 * when they are big or nested deeper than this thread's stack reaches: the verdict is the same, only where
 * it is computed differs.
 */
export async function runValidate(job: ValidateJob): Promise<ValidateResult> {
  if (inputBytes(job) <= inlineLimitBytes) {
    try {
      const result = await judgeValues(job);
      if (!result.stderr.includes(stackExhausted)) return result;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return runValidateInWorker(job);
}
