// The thread `spirl-keywrap validate` does its work in when the main thread's stack or heap may not hold it
// (see run-validate.ts): judges the values and posts back what to print and the exit code.
import { parentPort, workerData } from "node:worker_threads";
import { judgeValues } from "./judge-values.ts";
import type { ValidateJob } from "./validate-job.ts";

parentPort?.postMessage(await judgeValues(workerData as ValidateJob));
