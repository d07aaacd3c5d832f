import { printable } from "../errors/index.ts";
import { checkValues, formatFindingsJson, formatFindingsText } from "../validate/index.ts";
import { isValuesError } from "../values/index.ts";
import { ExitCode } from "./exit-code.ts";
import type { ValidateJob, ValidateResult } from "./validate-job.ts";

/** Assembles and judges the values of `job`: what `spirl-keywrap validate` prints, and its exit code. */
export async function judgeValues(job: ValidateJob): Promise<ValidateResult> {
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
    return { stdout, stderr: "", exitCode: findings.length === 0 ? ExitCode.Ok : ExitCode.Invalid };
  } catch (error) {
    if (!isValuesError(error)) throw error;
    return {
      stdout: "",
      stderr: `spirl-keywrap validate: ${printable(error.message)}\n`,
      exitCode: ExitCode.Usage,
    };
  }
}
