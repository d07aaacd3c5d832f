import { PassThrough } from "node:stream";
import { runCli } from "../../src/index.ts";

/** What one in-process CLI run wrote and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `spirl-keywrap <argv>` in this process, capturing stdout and stderr. */
export async function runCliInProcess(argv: readonly string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await runCli(argv, { stdout, stderr });
  return { code, out, err };
}
