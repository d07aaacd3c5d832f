import { spawnSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildValidateSnapshot } from "../../scripts/build-validate-snapshot.ts";
import { sourceHash } from "../../src/cli/source-hash.ts";
import type { SnapshotStamp } from "../../src/cli/validate-snapshot.ts";
import { writeValuesFile } from "../helpers/values-judges.ts";

const bin = new URL("../../src/cli/bin.js", import.meta.url).pathname;
/** The executable package.json names: a POSIX sh script that execs the snapshot itself when it can. */
const shBin = new URL("../../src/cli/spirl-keywrap", import.meta.url).pathname;
const main = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const example = new URL("../../charts/spirl-system/ci/example-values.yaml", import.meta.url).pathname;
const args = ["validate", "-f", example, "--set", "azure.keyVault.keyVersion=latest"];

/**
 * Runs the JS launcher (or `executable` itself, as a shell runs the bin, with this Node first on PATH)
 * with NODE_DEBUG on, which makes it say which path validate took.
 */
function validate(snapshotDir: string, argv = args, executable?: string) {
  const env = { ...process.env, NODE_DEBUG: "spirl-keywrap", SPIRL_KEYWRAP_SNAPSHOT_DIR: snapshotDir };
  const child =
    executable === undefined
      ? spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8", env })
      : spawnSync(executable, argv, {
          encoding: "utf8",
          env: { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` },
        });
  const debug = child.stderr.split("\n").filter((line) => line.startsWith("SPIRL-KEYWRAP"));
  const stderr = child.stderr.split("\n").filter((line) => !line.startsWith("SPIRL-KEYWRAP"));
  return { status: child.status, stdout: child.stdout, stderr: stderr.join("\n"), debug: debug.join("\n") };
}

async function copyWithStamp(dir: string, change: (stamp: SnapshotStamp) => Promise<SnapshotStamp>) {
  const copy = await mkdtemp(join(tmpdir(), "validate-snapshot-"));
  await writeFile(join(copy, "validate.blob"), await readFile(join(dir, "validate.blob")));
  await copyFile(join(dir, "validate.blob.node"), join(copy, "validate.blob.node"));
  const stamp = JSON.parse(await readFile(join(dir, "validate.blob.json"), "utf8")) as SnapshotStamp;
  await writeFile(join(copy, "validate.blob.json"), JSON.stringify(await change(stamp)));
  return copy;
}

describe("validate's startup snapshot", { timeout: 120_000 }, () => {
  let dir: string;
  let fromSource: ReturnType<typeof validate>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "validate-snapshot-"));
    await buildValidateSnapshot(dir);
    fromSource = validate(join(dir, "none"));
  }, 120_000);

  it("runs validate from the snapshot while it is fresh, with the same output as from source", () => {
    const run = validate(dir);
    expect(run.debug).toContain(`running the snapshot ${join(dir, "validate.blob")}`);
    expect(fromSource.debug).toContain("no snapshot");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("--set azure.keyVault.keyVersion: is not a version id");
    expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
  });

  it("still reads 9,000 nesting levels (the worker) when run from the snapshot", async () => {
    const deep = await writeValuesFile("deep", `global:\n  d: ${"[".repeat(9000)}${"]".repeat(9000)}\n`);
    const run = validate(dir, ["validate", "-f", example, "-f", deep]);
    expect(run.debug).toContain("running the snapshot");
    expect(run).toMatchObject({ status: 0, stdout: "spirl-keywrap validate: the values are valid\n" });
  });

  it("runs from source when a bundled file changed since the build", async () => {
    const extra = await writeValuesFile("bundled", "a: 1\n");
    const stale = await copyWithStamp(dir, async (stamp) => {
      const inputs = [...stamp.inputs, extra];
      return { ...stamp, inputs, sourceHash: sourceHash(inputs) };
    });
    expect(validate(stale).debug).toContain("running the snapshot");
    await writeFile(extra, "a: 2\n");
    const run = validate(stale);
    expect(run.debug).toContain("snapshot is stale");
    expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
  });

  it("runs from source when the snapshot was made by another Node binary", async () => {
    const other = await copyWithStamp(dir, async (stamp) => ({ ...stamp, node: `${stamp.node}-other` }));
    const run = validate(other);
    expect(run.debug).toContain("made by another Node");
    expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
  });

  describe("through the sh bin", () => {
    const made: string[] = [];
    const tempDir = async (prefix: string) => {
      made.push(await mkdtemp(join(tmpdir(), prefix)));
      return made.at(-1) as string;
    };
    afterAll(() => Promise.all(made.map((path) => rm(path, { recursive: true, force: true }))));

    it("execs the snapshot itself: no JS launcher runs (there is none beside this copy)", async () => {
      const alone = await tempDir("validate-sh-bin-");
      await copyFile(shBin, join(alone, "spirl-keywrap"));
      await symlink(main, join(alone, "main.ts"));
      const run = validate(dir, args, join(alone, "spirl-keywrap"));
      expect(run.debug).toContain(`running the snapshot ${join(dir, "validate.blob")}`);
      expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
    });

    it("works through a link, as npm installs it", async () => {
      const links = await tempDir("validate-sh-link-");
      await symlink(shBin, join(links, "spirl-keywrap"));
      const run = validate(dir, args, join(links, "spirl-keywrap"));
      expect(run.debug).toContain("running the snapshot");
      expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
    });

    it("hands over to the JS launcher when the snapshot's Node file differs, or there is no snapshot", async () => {
      const other = await copyWithStamp(dir, async (stamp) => stamp);
      await writeFile(join(other, "validate.blob.node"), "0 0 0 0\n");
      const run = validate(other, args, shBin);
      expect(run.debug).toContain("made by another Node (0 0 0 0");
      expect({ ...run, debug: "" }).toEqual({ ...fromSource, debug: "" });
      const none = validate(join(dir, "none"), args, shBin);
      expect(none.debug).toContain("no snapshot");
      expect({ ...none, debug: "" }).toEqual({ ...fromSource, debug: "" });
    });

    it("runs every other command through the JS launcher", () => {
      const child = spawnSync(shBin, ["--help"], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` },
      });
      expect(child.status).toBe(0);
      expect(child.stdout).toMatch(/^Usage: spirl-keywrap <command>/);
    });
  });
});
