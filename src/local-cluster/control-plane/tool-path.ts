import { access, constants } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The real binaries that `npm run tools` builds from Go modules and links into `.tools/bin`. */
export type ToolName =
  | "helm"
  | "helm3"
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubectl";

const toolsBin = fileURLToPath(new URL("../../../.tools/bin/", import.meta.url));

/**
 * Absolute path of a built tool. Throws (never skips) when it is missing, so a
 * machine without the tools fails loudly with the command that fixes it.
 */
export async function toolPath(name: ToolName): Promise<string> {
  const path = `${toolsBin}${name}`;
  try {
    await access(path, constants.X_OK);
  } catch (error) {
    throw new Error(`${path} is missing or not executable; build it with 'npm run tools'`, { cause: error });
  }
  return path;
}
