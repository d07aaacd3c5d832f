import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildValidateSnapshot } from "../../scripts/build-validate-snapshot.ts";
import { sourceHash } from "../../src/cli/source-hash.ts";
import type { SnapshotStamp } from "../../src/cli/validate-snapshot.ts";
import { writeValuesFile } from "../helpers/values-judges.ts";

const bin = new URL("../../src/cli/bin.js", import.meta.url).pathname;
const example = new URL("../../charts/spirl-system/ci/example-values.yaml", import.meta.url).pathname;
const args = ["validate", "-f", example, "--set", "azure.keyVault.keyVersion=latest"];

/** Runs the bin with NODE_DEBUG on, which makes it say which path validate took. */
function validate(snapshotDir: string, argv = args) {
  const child = spawnSync(process.execPath, [bin, ...argv], {
    encoding: "utf8",
    env: { ...process.env, NODE_DEBUG: "spirl-keywrap", SPIRL_KEYWRAP_SNAPSHOT_DIR: snapshotDir },
  });
  const debug = child.stderr.split("\n").filter((line) => line.startsWith("SPIRL-KEYWRAP"));
  const stderr = child.stderr.split("\n").filter((line) => !line.startsWith("SPIRL-KEYWRAP"));
  return { status: child.status, stdout: child.stdout, stderr: stderr.join("\n"), debug: debug.join("\n") };
}

async function copyWithStamp(dir: string, change: (stamp: SnapshotStamp) => Promise<SnapshotStamp>) {
  const copy = await mkdtemp(join(tmpdir(), "validate-snapshot-"));
  await writeFile(join(copy, "validate.blob"), await readFile(join(dir, "validate.blob")));
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
});
