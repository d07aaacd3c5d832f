// The thread `spirl-keywrap validate` does its work in (see run-validate-in-worker.ts): assembles and judges
// the values, and posts back what to print and the exit code.
import { parentPort, workerData } from "node:worker_threads";
import { printable } from "../errors/index.ts";
import { checkValues, formatFindingsJson, formatFindingsText } from "../validate/index.ts";
import { isValuesError } from "../values/index.ts";
import { ExitCode } from "./exit-code.ts";
import type { ValidateJob, ValidateResult } from "./run-validate-in-worker.ts";

const job = workerData as ValidateJob;
let result: ValidateResult;
try {
  const findings = await checkValues({
    valueFiles: job.valueFiles,
    set: job.set,
    setString: job.setString,
    readStdin: async () => job.stdin ?? new Uint8Array(),
  });
  const stdout =
    job.format === "json"
      ? formatFindingsJson(findings)
      : findings.length > 0
        ? formatFindingsText(findings)
        : "spirl-keywrap validate: the values are valid\n";
  result = { stdout, stderr: "", exitCode: findings.length === 0 ? ExitCode.Ok : ExitCode.Invalid };
} catch (error) {
  if (!isValuesError(error)) throw error;
  result = {
    stdout: "",
    stderr: `spirl-keywrap validate: ${printable(error.message)}\n`,
    exitCode: ExitCode.Usage,
  };
}
parentPort?.postMessage(result);
