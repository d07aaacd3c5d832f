import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { debuglog } from "node:util";
import { sourceHash } from "./source-hash.ts";

// A V8 startup snapshot of `validate` (made by `npm run build`, scripts/build-validate-snapshot.ts) starts
// with the values model already built: a cold run then costs little more than Node's own start. A snapshot
// is tied to the Node binary that made it and to the sources it was made from, so it runs only while its
// stamp matches both; otherwise `validate` runs from source, as it does before the first build. The Node
// is checked before the snapshot starts (another Node would refuse it), the sources by the snapshot itself
// (it has the hashing code loaded already), which runs from source in its place when they changed.

/** What a snapshot was made from (validate.blob.json). */
export interface SnapshotStamp {
  /** The Node binary: path, version, and the file's size and modification time. */
  readonly node: string;
  /** Absolute paths of the files whose contents pin the snapshot (scripts/build-validate-snapshot.ts). */
  readonly inputs: readonly string[];
  /** {@link sourceHash} of those files. */
  readonly sourceHash: string;
}

/** `NODE_DEBUG=spirl-keywrap` prints which path validate took and why. */
const debug = debuglog("spirl-keywrap");

/**
 * Where `npm run build` writes the snapshot; SPIRL_KEYWRAP_SNAPSHOT_DIR points elsewhere (tests, bench)
 * and SPIRL_KEYWRAP_SNAPSHOT=off skips it.
 */
function snapshotDir(): string | undefined {
  if (process.env.SPIRL_KEYWRAP_SNAPSHOT === "off") return undefined;
  return process.env.SPIRL_KEYWRAP_SNAPSHOT_DIR ?? join(import.meta.dirname, "../../dist");
}

/** The running Node binary, as a snapshot stamp records it. */
export function nodeIdentity(): string {
  const { size, mtimeMs } = statSync(process.execPath);
  return `${process.execPath} ${process.version} ${process.arch} ${size} ${mtimeMs}`;
}

/**
 * The running Node binary as the sh bin (src/cli/spirl-keywrap) sees it with `stat -L -c '%d %i %s %Y'`:
 * device, inode, size and modification time in whole seconds. Written beside the snapshot as
 * `validate.blob.node`, so the bin can exec the snapshot without starting a Node to check it.
 */
export function nodeFileIdentity(): string {
  const { dev, ino, size, mtimeMs } = statSync(process.execPath);
  return `${dev} ${ino} ${size} ${Math.floor(mtimeMs / 1000)}`;
}

function readStamp(blob: string): SnapshotStamp | undefined {
  try {
    return JSON.parse(readFileSync(`${blob}.json`, "utf8")) as SnapshotStamp;
  } catch {
    return undefined;
  }
}

/** The snapshot blob `npm run build` made with this Node, if any. */
export function snapshotForThisNode(dir = snapshotDir()): string | undefined {
  if (dir === undefined) return undefined;
  const blob = join(dir, "validate.blob");
  const stamp = readStamp(blob);
  if (stamp === undefined || statSync(blob, { throwIfNoEntry: false }) === undefined) {
    debug("validate: no snapshot in %s; running from source", dir);
    return undefined;
  }
  if (stamp.node !== nodeIdentity()) {
    debug("validate: snapshot made by another Node (%s); running from source", stamp.node);
    return undefined;
  }
  return blob;
}

/** In the snapshot: whether the files it was made from are unchanged. */
export function snapshotSourcesUnchanged(blob: string): boolean {
  const stamp = readStamp(blob);
  let hash: string | undefined;
  try {
    hash = stamp === undefined ? undefined : sourceHash(stamp.inputs);
  } catch {
    hash = undefined; // a file is gone
  }
  if (hash !== undefined && hash === stamp?.sourceHash) {
    debug("validate: running the snapshot %s", blob);
    return true;
  }
  debug("validate: snapshot is stale (sources changed since the build); running from source");
  return false;
}

/**
 * Makes this process `node ARGV` with `env` (execve): no second process to wait for. Where execve is
 * missing (Windows), runs a child Node and exits with its code.
 */
export async function becomeNode(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<never> {
  if (typeof process.execve === "function")
    process.execve(process.execPath, [process.execPath, ...argv], env);
  const { spawnSync } = await import("node:child_process");
  const child = spawnSync(process.execPath, argv, { stdio: "inherit", env });
  if (child.error !== undefined) throw child.error;
  if (child.signal !== null) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 70);
}

/**
 * Runs `spirl-keywrap ARGS` (a validate) from the snapshot `blob`. `main` is main.ts, which the snapshot
 * runs instead when its sources changed.
 */
export function runSnapshot(blob: string, main: string, args: readonly string[]): Promise<never> {
  return becomeNode(["--snapshot-blob", blob, "--", main, ...args], process.env);
}
