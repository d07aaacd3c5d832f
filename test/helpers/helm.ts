import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { toolPath } from "./tools.ts";

/** Both Helm majors the chart must work with. */
export const helms = [
  { name: "helm", major: 4 },
  { name: "helm3", major: 3 },
] as const;

export type HelmName = (typeof helms)[number]["name"];

/** Absolute path of the chart under test. */
export const chartDir = fileURLToPath(new URL("../../charts/spirl-system", import.meta.url));

let isolatedHome: Promise<string> | undefined;

/** Options of `runHelm`. */
export interface RunHelmOptions {
  /** Kubeconfig to use; omit for commands that never reach a cluster. */
  readonly kubeconfig?: string;
  /** Throw on a non-zero exit. Default true. */
  readonly reject?: boolean;
  /** Bytes for helm's standard input (`-f -`). Default none. */
  readonly input?: Uint8Array;
}

/**
 * Runs a real helm binary with its config, cache and data dirs in a temp
 * folder, so tests never read or write the developer's own helm settings.
 */
export async function runHelm(name: HelmName, args: readonly string[], options: RunHelmOptions = {}) {
  isolatedHome ??= mkdtemp(join(tmpdir(), "spirl-helm-home-"));
  const home = await isolatedHome;
  return execa(await toolPath(name), args, {
    reject: options.reject ?? true,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: {
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_DATA_HOME: join(home, "data"),
      KUBECONFIG: options.kubeconfig ?? join(home, "no-kubeconfig"),
    },
  });
}
