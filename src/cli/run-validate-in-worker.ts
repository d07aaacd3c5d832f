import { Worker } from "node:worker_threads";
import { ExitCode } from "./exit-code.ts";
import type { ValidateJob, ValidateResult } from "./validate-job.ts";

// `validate` runs in a worker thread when its input needs two limits the main thread cannot set on itself
// (run-validate.ts decides):
// - a deep stack: go-yaml (Helm) reads up to 10000 nesting levels; the `yaml` package and the values walk
//   recurse per level and overflow Node's default stack (~1 MB) near 800;
// - a heap ceiling: input too big for it ends the worker with ERR_WORKER_OUT_OF_MEMORY, which becomes a
//   one-line exit 2 instead of V8 aborting the whole process (exit 134).

/** Stack of the worker thread: 10000 nesting levels use about 30 MB. */
export const validateStackMb = 256;
/** Heap ceiling of the worker (README: "Values validation" says what input this allows). */
export const validateHeapMb = 4096;

/** Options of runValidateInWorker. */
export interface WorkerLimits {
  /** Heap ceiling in MB. Default {@link validateHeapMb}. */
  readonly heapMb?: number;
}

/** Runs the job in a worker thread with {@link validateStackMb} of stack and a heap ceiling. */
export function runValidateInWorker(job: ValidateJob, limits: WorkerLimits = {}): Promise<ValidateResult> {
  const heapMb = limits.heapMb ?? validateHeapMb;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./validate-worker.ts", import.meta.url), {
      workerData: job,
      resourceLimits: { stackSizeMb: validateStackMb, maxOldGenerationSizeMb: heapMb },
    });
    let answered = false;
    worker.once("message", (result: ValidateResult) => {
      answered = true;
      resolve(result);
    });
    worker.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ERR_WORKER_OUT_OF_MEMORY") return reject(error);
      resolve({
        stdout: "",
        stderr: `spirl-keywrap validate: the values need more than ${heapMb} MB of memory to check; nothing was judged (it takes 45-75 MB per MB of YAML)\n`,
        exitCode: ExitCode.Usage,
      });
    });
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the validate worker stopped with exit code ${code} and no answer`));
    });
  });
}
