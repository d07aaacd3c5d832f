import { realpathSync, statSync } from "node:fs";
import { posix } from "node:path";
import { quoteLikeGo } from "../../errors/index.ts";
import { PodNetworkError } from "./pod-network-error.ts";

/** One bind mount of a process: `hostPath` appears at `containerPath` inside the Pod. */
export interface SandboxMount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** What the mount-namespace script does, in order; words are passed as positional parameters. */
export interface MountPlan {
  /** Host folders that get a tmpfs inside the Pod (the real path of /run/secrets when a mount is under it). */
  readonly secretRoots: readonly string[];
  /** `step arg…` words for the setup script (see mount-namespace.ts). */
  readonly words: readonly string[];
}

// Kubernetes puts service-account and Workload Identity tokens here; these folders do not exist on a
// host, so inside the Pod they get a fresh tmpfs in which the mount points are made.
/**
 * The only places a Pod's volumes may be mounted: each gets a fresh tmpfs in the Pod's mount namespace (an
 * empty folder on the host to mount it on), mount points are made inside it. Anywhere else a volume could
 * cover a host file the Pod's processes then run or load (node, a bundle, /etc/ld.so.preload), so a Pod
 * could run what the image table does not name. These are the paths the chart and Workload Identity use.
 */
const secretPrefixes = ["/run/secrets", "/var/run/secrets", "/etc/spirl-keywrap"];

function checkPath(path: unknown, field: string): string {
  const valid =
    typeof path === "string" &&
    path.startsWith("/") &&
    path !== "/" &&
    !path.includes("\0") &&
    posix.normalize(path) === path &&
    !path.endsWith("/") &&
    !path.split("/").includes("..");
  if (!valid)
    throw new PodNetworkError(
      `mount ${field}: expected an absolute, normalised path other than / without "..", got ${quoteLikeGo(String(path))}`,
      { code: "MOUNT_PATH_INVALID" },
    );
  return path;
}

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}

/** The tmpfs root a container path falls under, resolved on the host (/var/run is usually a link to /run). */
function secretRootOf(containerPath: string): string | undefined {
  const prefix = secretPrefixes.find((p) => containerPath === p || containerPath.startsWith(`${p}/`));
  if (prefix === undefined) return undefined;
  return posix.join(realpathSync(posix.dirname(prefix)), posix.basename(prefix));
}

/**
 * Checks every mount and turns them into setup steps: detach the data folder's mounts (other processes'
 * namespaces), tmpfs the secret roots, make mount points there, bind (parents before children), remount
 * read-only, and finally cover the data folder so the process cannot see other Pods' files.
 */
export function planMounts(mounts: readonly SandboxMount[], dataDir: string): MountPlan {
  const checked = mounts.map((mount, index) => ({
    hostPath: checkPath(mount.hostPath, `${index} hostPath`),
    containerPath: checkPath(mount.containerPath, `${index} containerPath`),
    readOnly: mount.readOnly === true,
  }));
  const secretRoots = new Set<string>();
  const binds: string[] = [];
  const depth = (path: string) => path.split("/").length;
  for (const mount of [...checked].sort((a, b) => depth(a.containerPath) - depth(b.containerPath))) {
    const sourceIsDir = isDirectory(mount.hostPath);
    if (sourceIsDir === undefined)
      throw new PodNetworkError(`mount hostPath ${quoteLikeGo(mount.hostPath)} does not exist`, {
        code: "MOUNT_SOURCE_MISSING",
      });
    const root = secretRootOf(mount.containerPath);
    if (root !== undefined) {
      secretRoots.add(root);
      if (sourceIsDir) binds.push("mkdir", mount.containerPath);
      else binds.push("mkdir", posix.dirname(mount.containerPath), "touch", mount.containerPath);
    } else {
      throw new PodNetworkError(
        `mount containerPath ${quoteLikeGo(mount.containerPath)}: the local node mounts volumes only under ${secretPrefixes.join(", ")}`,
        { code: "MOUNT_PATH_INVALID" },
      );
    }
    binds.push("bind", mount.hostPath, mount.containerPath);
    if (mount.readOnly) binds.push("readonly", mount.containerPath);
  }
  const words = ["detach", dataDir, ...[...secretRoots].flatMap((root) => ["tmpfs", root]), ...binds];
  words.push("hide", dataDir);
  return { secretRoots: [...secretRoots], words };
}
