import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, mkdtemp, open, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parseEnvFile } from "../../src/emulator/index.ts";

const main = new URL("../../src/cli/main.ts", import.meta.url).pathname;

describe("spirl-keywrap emulator", { timeout: 30_000 }, () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "writes the env file, serves until %s, then exits 0 and removes its files",
    async (signal) => {
      const dir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
      const envFile = join(dir, "e.env");
      // Run the file itself, as npx does, so its shebang is exercised; `node` on PATH is this Node.
      const child = spawn(main, ["emulator", "--write-env", envFile], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      });
      const [chunk] = (await once(child.stdout, "data")) as [Buffer];
      const ready = chunk.toString();
      expect(ready).toMatch(
        /^emulator ready: HSM https:\/\/localhsm\.managedhsm\.azure\.net, proxy http:\/\/127\.0\.0\.1:\d+, admin http:\/\/127\.0\.0\.1:\d+, env and admin token in /,
      );
      const env = parseEnvFile(await readFile(envFile, "utf8"));
      expect(Object.keys(env)).toEqual([
        "HTTPS_PROXY",
        "NODE_EXTRA_CA_CERTS",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_KEYVAULT_URL",
        "SPIRL_KEYWRAP_EMULATOR_ADMIN_URL",
        "SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN",
      ]);
      expect(ready).not.toContain(env.SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN);
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      const clock = await fetch(`${env.SPIRL_KEYWRAP_EMULATOR_ADMIN_URL}/clock`, {
        headers: { authorization: `Bearer ${env.SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN}` },
      });
      expect(clock.status).toBe(200);
      await access(env.AZURE_FEDERATED_TOKEN_FILE ?? "");
      child.kill(signal);
      const [exitCode] = (await once(child, "exit")) as [number];
      expect(exitCode).toBe(0);
      await expect(access(dirname(env.AZURE_FEDERATED_TOKEN_FILE ?? ""))).rejects.toThrow();
    },
  );

  it("a signal while the config is still loading ends in a clean stop, not a killed process", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
    const config = join(dir, "config.fifo");
    await execa("mkfifo", [config]);
    const envFile = join(dir, "e.env");
    const child = spawn(process.execPath, [main, "emulator", "--config", config, "--write-env", envFile], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Opening a FIFO for writing waits for its reader: from here on the CLI is loading the config.
    const writer = await open(config, "w");
    child.kill("SIGHUP");
    await writer.writeFile("tenantId: e1e1e1e1-0000-4000-8000-000000000001\n");
    await writer.close();
    const [exitCode, signal] = (await once(child, "exit")) as [number | null, string | null];
    expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null });
    // It started (the env file is there), then stopped and removed its temporary directory.
    const env = parseEnvFile(await readFile(envFile, "utf8"));
    await expect(access(dirname(env.AZURE_FEDERATED_TOKEN_FILE ?? ""))).rejects.toThrow();
  });

  it("refuses a bad config with one line naming file:line and exit 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
    const config = join(dir, "bad.yaml");
    await writeFile(config, "hsms:\n  - name: UPPER\n");
    const result = await execa(process.execPath, [main, "emulator", "--config", config], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^spirl-keywrap emulator: ${config}:2:11: hsms\\[0\\]\\.name: `),
    );
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("refuses a bad port as a usage error", async () => {
    const result = await execa(process.execPath, [main, "emulator", "--port", "99999"], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("spirl-keywrap emulator: --port: expected a port number 0-65535, got '99999'");
  });
});

describe("spirl-keywrap emulator --write-env", { timeout: 30_000 }, () => {
  it("refuses a symlink at the path with one line and exit 2, writing nothing through it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
    const target = join(dir, "target");
    await writeFile(target, "UNTOUCHED=1\n");
    const link = join(dir, "e.env");
    await symlink(target, link);
    const result = await execa(process.execPath, [main, "emulator", "--write-env", link], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `spirl-keywrap emulator: env file ${link}: is a symbolic link; refusing to write through it (remove it or pick another path)`,
    );
    expect(await readFile(target, "utf8")).toBe("UNTOUCHED=1\n");
  });
});
