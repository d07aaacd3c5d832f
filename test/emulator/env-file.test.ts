import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { isEmulatorError, parseEnvFile, renderEnvFile, writeEnvFile } from "../../src/emulator/index.ts";

const env = { HTTPS_PROXY: "http://127.0.0.1:1", SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN: "s3cret" };
const scratch = () => mkdtemp(join(tmpdir(), "env-file-"));

describe("renderEnvFile", () => {
  it("gives sh the exact values, also with spaces, quotes, $ and ~ (a TMPDIR can hold them)", async () => {
    const values = {
      PLAIN: "https://localhsm.managedhsm.azure.net",
      SPACE: "/tmp/my dir/ca.pem",
      QUOTE: "/tmp/it's/ca.pem",
      DOLLAR: "/tmp/$(touch pwned)/`id`/$HOME",
      TILDE: "~/x",
      EMPTY: "",
    };
    const dir = await scratch();
    const path = join(dir, "e.env");
    await writeFile(path, renderEnvFile(values));
    const script = `set -a; . "$1"; set +a; exec node -e 'console.log(JSON.stringify(process.env))'`;
    const { stdout } = await execa("sh", ["-c", script, "sh", path], {
      cwd: dir,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: "/home/someone" },
      extendEnv: false,
    });
    expect(JSON.parse(stdout)).toMatchObject(values);
    expect(await readdir(dir)).toEqual(["e.env"]);
    expect(parseEnvFile(renderEnvFile(values))).toEqual(values);
    expect(renderEnvFile({ PLAIN: values.PLAIN })).toBe(`PLAIN=${values.PLAIN}\n`);
  });
});

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
