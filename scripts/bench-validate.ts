// `node scripts/bench-validate.ts [runs]`: a cold `spirl-keywrap validate` (a new Node process each run)
// against `helm lint --strict` and `helm template` on the same chart and values: the bin as it runs after
// `npm run build` (the sh bin execing the startup snapshot, built here first; also via the JS launcher)
// and from source (no snapshot). Prints the median and spread (min-max) of each, and ratios to helm lint;
// then the cost per MB of a generated 10 MB values file against `helm template` on it. Needs the tools from `npm run tools`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildValidateSnapshot } from "./build-validate-snapshot.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const chart = `${root}charts/spirl-system`;
const values = `${chart}/ci/example-values.yaml`;
const runs = Number(process.argv[2] ?? 9);

// The validate command on its own, without what run-cli.ts imports for the other commands.
const validateAlone = [
  "--input-type=module",
  "-e",
  `const { validateCommand } = await import(${JSON.stringify(`${root}src/cli/validate-command.ts`)});
   process.exitCode = await validateCommand.run(["-f", ${JSON.stringify(values)}], process);`,
];
const compileCache = mkdtempSync(join(tmpdir(), "spirl-bench-cache-"));
const snapshotDir = join(compileCache, "snapshot");
await buildValidateSnapshot(snapshotDir);

const subjects: { name: string; command: string; args: string[]; env?: Record<string, string> }[] = [
  {
    // The bin as a shell runs it (src/cli/spirl-keywrap, sh), with this Node first on PATH.
    name: "spirl-keywrap validate",
    command: `${root}src/cli/spirl-keywrap`,
    args: ["validate", "-f", values],
    env: {
      SPIRL_KEYWRAP_SNAPSHOT_DIR: snapshotDir,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
    },
  },
  {
    name: "  via the JS launcher",
    command: process.execPath,
    args: [`${root}src/cli/bin.js`, "validate", "-f", values],
    env: { SPIRL_KEYWRAP_SNAPSHOT_DIR: snapshotDir },
  },
  {
    name: "  from source",
    command: process.execPath,
    args: [`${root}src/cli/bin.js`, "validate", "-f", values],
    env: { SPIRL_KEYWRAP_SNAPSHOT_DIR: join(compileCache, "none") },
  },
  { name: "validate command alone", command: process.execPath, args: validateAlone },
  {
    name: "  + NODE_COMPILE_CACHE",
    command: process.execPath,
    args: validateAlone,
    env: { NODE_COMPILE_CACHE: compileCache },
  },
  {
    name: "helm lint --strict",
    command: `${root}.tools/bin/helm`,
    args: ["lint", "--strict", chart, "-f", values],
  },
  { name: "helm template", command: `${root}.tools/bin/helm`, args: ["template", "t", chart, "-f", values] },
];

function timeOnce(subject: (typeof subjects)[number]): number {
  const start = performance.now();
  const env = { ...process.env, ...subject.env };
  const result = spawnSync(subject.command, subject.args, { stdio: "ignore", env });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`${subject.name} exited ${result.status ?? result.signal}`);
  return elapsed;
}

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const samples = new Map(subjects.map((subject) => [subject.name, [] as number[]]));
for (const subject of subjects) timeOnce(subject); // warm the page cache, not the process
// Interleave the subjects so machine noise hits them alike.
for (let run = 0; run < runs; run += 1) {
  for (const subject of subjects) samples.get(subject.name)?.push(timeOnce(subject));
}

const baseline = median([...(samples.get("helm lint --strict") ?? [])].sort((a, b) => a - b));
console.log(`${runs} runs each, ${values.slice(root.length)}`);
console.log(
  `${"command".padEnd(24)}${"median".padStart(10)}${"min-max".padStart(18)}${"vs helm lint".padStart(14)}`,
);
for (const subject of subjects) {
  const sorted = [...(samples.get(subject.name) ?? [])].sort((a, b) => a - b);
  const mid = median(sorted);
  const spread = `${(sorted[0] ?? 0).toFixed(0)}-${(sorted.at(-1) ?? 0).toFixed(0)} ms`;
  console.log(
    `${subject.name.padEnd(26)}${`${mid.toFixed(0)} ms`.padStart(10)}${spread.padStart(18)}${`${(mid / baseline).toFixed(2)}x`.padStart(14)}`,
  );
}

// Cost per MB: 10 MB of values under `global` (300,000 short keys), three runs each.
const bigMb = 10;
const bigFile = join(compileCache, "big-values.yaml");
const bigLines = [
  'azure:\n  keyVault:\n    url: "https://my-managed-hsm.managedhsm.azure.net/"\n    keyName: k\nglobal:\n',
];
for (let size = bigLines[0]?.length ?? 0, n = 0; size < bigMb * 1e6; n += 1) {
  const line = `  key${n}: "some value text ${n}"\n`;
  bigLines.push(line);
  size += line.length;
}
writeFileSync(bigFile, bigLines.join(""));
const bigSubjects: (typeof subjects)[number][] = [
  {
    name: "spirl-keywrap validate",
    command: process.execPath,
    args: [`${root}src/cli/bin.js`, "validate", "-f", bigFile],
    env: { SPIRL_KEYWRAP_SNAPSHOT_DIR: snapshotDir },
  },
  { name: "helm template", command: `${root}.tools/bin/helm`, args: ["template", "t", chart, "-f", bigFile] },
];
const bigMedians = bigSubjects.map((subject) => {
  const sorted = [0, 1, 2].map(() => timeOnce(subject)).sort((a, b) => a - b);
  return { name: subject.name, median: median(sorted) };
});
const bigBaseline = bigMedians.find((entry) => entry.name === "helm template")?.median ?? 1;
console.log(`\n${bigMb} MB of values, 3 runs each`);
for (const { name, median: mid } of bigMedians) {
  console.log(
    `${name.padEnd(26)}${`${mid.toFixed(0)} ms`.padStart(10)}${`${(mid / bigMb).toFixed(0)} ms/MB`.padStart(18)}${`${(mid / bigBaseline).toFixed(2)}x helm template`.padStart(22)}`,
  );
}
