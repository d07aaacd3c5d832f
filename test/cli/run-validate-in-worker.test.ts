import { describe, expect, it } from "vitest";
import { runValidateInWorker } from "../../src/cli/run-validate-in-worker.ts";
import { writeValuesFile } from "../helpers/values-judges.ts";

const base = 'azure:\n  keyVault:\n    url: "https://abc.managedhsm.azure.net/"\n    keyName: k\n';
const job = (file: string) => ({ valueFiles: [file], set: [], setString: [], format: "text" as const });

describe("runValidateInWorker", () => {
  it("turns running out of heap into one line and exit 2, never V8's abort", async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `  key${i}: "value ${i}"`).join("\n");
    const file = await writeValuesFile("big", `${base}global:\n${lines}\n`);
    const result = await runValidateInWorker(job(file), { heapMb: 16 });
    expect(result).toEqual({
      stdout: "",
      stderr: expect.stringMatching(
        /^spirl-keywrap validate: the values need more than 16 MB of memory to check; .*\n$/,
      ),
      exitCode: 2,
    });
    // The same file with the default ceiling is judged.
    expect((await runValidateInWorker(job(file))).exitCode).toBe(0);
  });

  it("reads 9,000 nesting levels, which overflow a default stack", async () => {
    const file = await writeValuesFile(
      "deep",
      `${base}global:\n  d: ${"[".repeat(9000)}${"]".repeat(9000)}\n`,
    );
    expect(await runValidateInWorker(job(file))).toEqual({
      stdout: "spirl-keywrap validate: the values are valid\n",
      stderr: "",
      exitCode: 0,
    });
  });
});
