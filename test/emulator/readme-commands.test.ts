// Every README block that starts with `npx spirl-keywrap`, run as written with the `npx` on PATH (the
// machine's npm, whatever its Node), from a fresh directory inside the project so npx finds the bin.
import { access, chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnvFile } from "../../src/emulator/index.ts";

const root = new URL("../../", import.meta.url).pathname;
const readme = await readFile(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```sh\n(npx spirl-keywrap [\s\S]*?)```/g)].map((match) => match[1] ?? "");
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

const cwds: string[] = [];
afterAll(() => Promise.all(cwds.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A fresh cwd under the project (npx looks for the bin from cwd upwards), outside git's view. */
async function freshCwd(): Promise<string> {
  const parent = join(root, "node_modules", ".cache");
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, "readme-"));
  cwds.push(dir);
  return dir;
}

const block = (command: string) => {
  const found = blocks.find((text) => text.startsWith(`npx spirl-keywrap ${command}`));
  if (found === undefined)
    throw new Error(`README.md has no sh block starting with npx spirl-keywrap ${command}`);
  return found;
};

describe("README commands, as written", { timeout: 120_000 }, () => {
  it("has the blocks this test knows how to run", () => {
    expect(blocks.map((text) => text.split(" ")[2])).toEqual(["validate", "emulator"]);
  });

  it("npx spirl-keywrap validate prints the finding the README shows", async () => {
    const [command = "", expected = ""] = block("validate").trimEnd().split("\n");
    const cwd = await freshCwd();
    await copyFile(join(root, "charts/spirl-system/ci/example-values.yaml"), join(cwd, "values.yaml"));
    const result = await execa("sh", ["-c", command], { cwd, env, reject: false });
    expect(result.exitCode).toBe(1);
    // The README abbreviates the line with `…`; every shown part must appear, in order.
    const parts = expected
      .replace(/^# /, "")
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    expect(result.stdout).toMatch(new RegExp(`^${parts.join(".*")}$`, "m"));
  });

  it("npx spirl-keywrap emulator --write-env writes an owner-only file a shell sources, over a stale 0666 one", async () => {
    const [command = "", , ...rest] = block("emulator").trimEnd().split("\n");
    const documentedPath = "/tmp/e.env";
    expect(command).toContain(` ${documentedPath} `);
    const cwd = await freshCwd();
    const envFile = join(cwd, "e.env");
    // A stale file from an earlier run: were it loaded into npx's own Node, npm would use this proxy and
    // preload a module that does not exist.
    await writeFile(envFile, "HTTPS_PROXY=http://127.0.0.1:9\nNODE_OPTIONS=--require=/nonexistent.cjs\n");
    await chmod(envFile, 0o666);
    const emulator = execa("sh", ["-c", `exec ${command.replace(documentedPath, envFile)}`], {
      cwd,
      env,
      detached: true,
      reject: false,
      timeout: 90_000,
    });
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no ready line in 60 s: ${out}`)), 60_000);
        emulator.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) {
            clearTimeout(timer);
            resolve(out);
          }
        });
        void emulator.then((result) => reject(new Error(`exited ${result.exitCode}: ${result.stderr}`)));
      });
      expect(ready).toMatch(/^emulator ready: HSM https:\/\/localhsm\.managedhsm\.azure\.net, /);
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      // "in another shell": the README's remaining lines, then what a client then sees.
      const shell = rest.filter((line) => !line.startsWith("#")).join("\n");
      expect(shell).toBe(`set -a; . ${documentedPath}; set +a`);
      const sourced = await execa(
        "sh",
        [
          "-c",
          `${shell.replace(documentedPath, envFile)}\nnode -e 'console.log(JSON.stringify(process.env))'`,
        ],
        { cwd, env: { PATH: env.PATH }, extendEnv: false },
      );
      const seen = JSON.parse(sourced.stdout) as Record<string, string>;
      const written = parseEnvFile(await readFile(envFile, "utf8"));
      expect(seen).toMatchObject(written);
      expect(seen.NODE_OPTIONS).toBeUndefined();
      expect(written.AZURE_KEYVAULT_URL).toBe("https://localhsm.managedhsm.azure.net");
      await access(written.AZURE_FEDERATED_TOKEN_FILE ?? "");
      // Ctrl-C: SIGINT to the whole foreground group, npx and the emulator alike.
      process.kill(-(emulator.pid ?? 0), "SIGINT");
      await emulator;
      await expect(access(written.AZURE_FEDERATED_TOKEN_FILE ?? "")).rejects.toThrow();
    } finally {
      // Whatever failed above, leave no emulator behind (the group is gone already when it exited).
      if (emulator.pid !== undefined) {
        try {
          process.kill(-emulator.pid, "SIGKILL");
        } catch {}
      }
    }
  });
});
