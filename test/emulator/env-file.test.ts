import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEmulatorError, parseEnvFile, writeEnvFile } from "../../src/emulator/index.ts";

const env = { HTTPS_PROXY: "http://127.0.0.1:1", SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN: "s3cret" };
const scratch = () => mkdtemp(join(tmpdir(), "env-file-"));

describe("writeEnvFile", () => {
  it("replaces a world-writable file with an owner-only one and leaves no temp file", async () => {
    const dir = await scratch();
    const path = join(dir, "e.env");
    await writeFile(path, "STALE=1\n");
    await chmod(path, 0o666);
    await writeEnvFile(path, env);
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
    expect(parseEnvFile(await readFile(path, "utf8"))).toEqual(env);
    expect(await readdir(dir)).toEqual(["e.env"]);
  });

  it("refuses a symlink at the path, naming it, and writes nothing through it", async () => {
    const dir = await scratch();
    const target = join(dir, "elsewhere");
    await writeFile(target, "UNTOUCHED=1\n");
    const path = join(dir, "e.env");
    await symlink(target, path);
    const error = await writeEnvFile(path, env).catch((caught: unknown) => caught);
    expect(isEmulatorError(error) && error.code).toBe("ENV_FILE_UNWRITABLE");
    expect((error as Error).message).toBe(
      `env file ${path}: is a symbolic link; refusing to write through it (remove it or pick another path)`,
    );
    expect(await readFile(target, "utf8")).toBe("UNTOUCHED=1\n");
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["e.env", "elsewhere"]);
  });

  it("refuses a directory at the path", async () => {
    const dir = await scratch();
    const path = join(dir, "e.env");
    await mkdir(path);
    await expect(writeEnvFile(path, env)).rejects.toThrow(
      `env file ${path}: exists and is not a regular file`,
    );
  });

  it("names the path when its folder does not exist", async () => {
    const path = join(await scratch(), "missing", "e.env");
    await expect(writeEnvFile(path, env)).rejects.toThrow(`env file ${path}: ENOENT`);
  });
});
