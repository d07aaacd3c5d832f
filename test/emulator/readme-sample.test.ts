// The README's emulator section, run as a newcomer would: source the env file in a shell, run the sample.
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.ts";

const emulator = useEmulator();
const root = new URL("../../", import.meta.url).pathname;

async function readmeSample(): Promise<string> {
  const readme = await readFile(new URL("README.md", `file://${root}`), "utf8");
  const sample = /<!-- emulator-sample -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (sample === undefined) throw new Error("README.md has no <!-- emulator-sample --> block");
  return sample;
}

describe("README: Local Managed HSM emulator", () => {
  it("runs the SDK's CryptographyClient.encrypt sample unchanged after sourcing the env file", {
    timeout: 60_000,
  }, async () => {
    const sample = await readmeSample();
    expect(sample).toContain('const vaultName = "localhsm";');
    const result = await execa(
      "sh",
      ["-c", `set -a; . "$1"; set +a; exec node --input-type=module -e "$2"`, "sh", emulator.envFile, sample],
      {
        cwd: root,
        env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
        extendEnv: false,
        reject: false,
      },
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^encrypt result: {2}<Buffer( [0-9a-f]{2}){10}>$/);
    expect(emulator.handle.state.log.counts().encrypt?.byStatus).toEqual({ 200: 1 });
  });
});
