import { describe, expect, it } from "vitest";
import { formatFindingsText, validateValues } from "../../src/validate/index.ts";
import { assembleValues } from "../../src/values/index.ts";
import {
  judgeWithAjv,
  judgeWithHelm,
  judgeWithModel,
  mapLimit,
  writeValuesFile,
} from "../helpers/values-judges.ts";
import { valuesCorpus } from "./values-corpus.ts";

/** The message of a template `fail`, without Helm's "execution error at (file:line:col): " prefix. */
function templateFailure(stderr: string): string | undefined {
  return /execution error at \([^)]*\): (.*)/.exec(stderr)?.[1];
}

async function cliLines(file: string): Promise<string[]> {
  const { values } = await assembleValues({ valueFiles: [file] });
  return formatFindingsText(validateValues(values))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^\(values\) /, ""));
}

describe("the Zod model, Ajv on values.schema.json, Helm 4 and Helm 3 agree", () => {
  it(`on every one of the ${valuesCorpus.length} corpus files, and the template checks word failures like the CLI`, {
    timeout: 300_000,
  }, async () => {
    expect(valuesCorpus.length).toBeGreaterThanOrEqual(100);
    const verdicts = await mapLimit(valuesCorpus, 3, async (entry) => {
      const file = await writeValuesFile(entry.name, entry.yaml);
      const [model, ajv, helm4, helm3, skipped] = await Promise.all([
        judgeWithModel(file),
        judgeWithAjv(file),
        judgeWithHelm("helm", file).then((verdict) => verdict.valid),
        judgeWithHelm("helm3", file).then((verdict) => verdict.valid),
        judgeWithHelm("helm", file, ["--skip-schema-validation"]),
      ]);
      const failure = templateFailure(skipped.stderr);
      const lines = await cliLines(file);
      // The template stops at its first failed check; the CLI lists them all, some with a hint appended.
      const wordedLikeCli =
        skipped.valid || (failure !== undefined && lines.some((line) => line.startsWith(failure)));
      return {
        name: entry.name,
        expected: entry.valid,
        schemaCannotTell: entry.schemaCannotTell === true,
        verdicts: { model, ajv, helm4, helm3, templateChecks: skipped.valid },
        ...(wordedLikeCli ? {} : { templateFailure: failure ?? skipped.stderr, cli: lines }),
      };
    });
    const disagreements = verdicts.filter(
      (v) =>
        !Object.entries(v.verdicts).every(
          // Ajv judges the schema alone, which cannot compare two values: it must accept those files.
          ([judge, verdict]) => verdict === (judge === "ajv" && v.schemaCannotTell ? true : v.expected),
        ) || "templateFailure" in v,
    );
    const valid = verdicts.filter((v) => v.expected).length;
    console.log(
      `values agreement: ${verdicts.length} files (${valid} valid, ${verdicts.length - valid} invalid); ` +
        `Zod, Ajv, Helm 4, Helm 3 and the template checks (--skip-schema-validation) agree on ${verdicts.length - disagreements.length}`,
    );
    expect(disagreements).toEqual([]);
  });
});
