import { chmod, chown, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import type { CoreV1Api, V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod } from "@kubernetes/client-node";
import { NodeAgentError } from "./node-agent-error.ts";
import { fieldRefValue } from "./resolve-env.ts";

/** A Secret's or ConfigMap's data as bytes; `undefined` when it does not exist. */
export type BinaryLookup = (
  kind: "Secret" | "ConfigMap",
  name: string,
) => Promise<Record<string, Buffer> | undefined>;

/** Options of {@link writePodVolumes}. */
export interface PodVolumesOptions {
  readonly pod: V1Pod;
  /** `<sandbox.dir>/volumes`; each volume is a folder `<name>/` under it. */
  readonly root: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly core: CoreV1Api;
  readonly lookup: BinaryLookup;
  /** Called when a token refresh fails (the old token stays until it expires). */
  readonly onRefreshError: (error: unknown) => void;
}

/** The written volumes; `stop()` ends the token refreshes. */
export interface PodVolumes {
  readonly root: string;
  stop(): void;
}

interface FileToWrite {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

const defaultFileMode = 0o644;

function checkedPath(volume: string, path: string): string {
  const clean = normalize(path);
  if (clean.startsWith("..") || clean.startsWith("/") || clean === ".") {
    throw new NodeAgentError(
      `volume ${JSON.stringify(volume)}: item path ${JSON.stringify(path)} must be relative and stay inside the volume`,
      {
        code: "CONTAINER_CONFIG",
      },
    );
  }
  return clean;
}

async function keyedFiles(args: {
  volume: string;
  kind: "Secret" | "ConfigMap";
  name: string;
  items: readonly V1KeyToPath[] | undefined;
  optional: boolean | undefined;
  mode: number;
  lookup: BinaryLookup;
}): Promise<FileToWrite[]> {
  const data = await args.lookup(args.kind, args.name);
  if (data === undefined) {
    if (args.optional === true) return [];
    throw new NodeAgentError(
      `volume ${JSON.stringify(args.volume)}: ${args.kind} ${JSON.stringify(args.name)} not found`,
      {
        code: "CONTAINER_CONFIG",
      },
    );
  }
  if (args.items === undefined || args.items.length === 0) {
    return Object.entries(data).map(([key, content]) => ({
      path: checkedPath(args.volume, key),
      content,
      mode: args.mode,
    }));
  }
  const files: FileToWrite[] = [];
  for (const item of args.items) {
    const content = data[item.key];
    if (content === undefined) {
      if (args.optional === true) continue;
      throw new NodeAgentError(
        `volume ${JSON.stringify(args.volume)}: key ${JSON.stringify(item.key)} not in ${args.kind} ${JSON.stringify(args.name)}`,
        {
          code: "CONTAINER_CONFIG",
        },
      );
    }
    files.push({ path: checkedPath(args.volume, item.path), content, mode: item.mode ?? args.mode });
  }
  return files;
}

/** Owner of a projected token file: the Pod's one runAsUser when all containers share it (as the kubelet does). */
function tokenOwner(pod: V1Pod): number | undefined {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const uids = new Set(
    containers.map((c) => c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser),
  );
  const [only] = [...uids];
  return uids.size === 1 && only !== undefined ? only : undefined;
}

/**
 * Writes every volume of the Pod under `root` (emptyDir, secret, configMap, downwardAPI, projected with
 * serviceAccountToken/secret/configMap/downwardAPI sources) and keeps projected tokens fresh: each is a
 * TokenRequest bound to the Pod (so it dies with it), renewed at 80% of its lifetime. Files are replaced by
 * rename, so a reader never sees half a file. With `fsGroup`, files are group-owned by it and group-readable.
 */
export async function writePodVolumes(options: PodVolumesOptions): Promise<PodVolumes> {
  const { pod, root } = options;
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const volumes = pod.spec?.volumes ?? [];
  await mkdir(root, { recursive: true, mode: 0o755 });

  const write = async (dir: string, file: FileToWrite, owner?: number) => {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const temp = join(dirname(target), `..tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const mode = fsGroup === undefined ? file.mode : file.mode | 0o040;
    await writeFile(temp, file.content, { mode });
    if (fsGroup !== undefined || owner !== undefined) await chown(temp, owner ?? 0, fsGroup ?? 0);
    await rename(temp, target);
  };

  const requestToken = async (source: { audience?: string; expirationSeconds?: number }) => {
    const name = pod.spec?.serviceAccountName ?? "default";
    const answer = await options.core.createNamespacedServiceAccountToken({
      name,
      namespace: pod.metadata?.namespace ?? "default",
      body: {
        spec: {
          audiences: source.audience ? [source.audience] : [],
          expirationSeconds: source.expirationSeconds ?? 3600,
          boundObjectRef: {
            apiVersion: "v1",
            kind: "Pod",
            name: pod.metadata?.name ?? "",
            uid: pod.metadata?.uid ?? "",
          },
        },
      },
    });
    const token = answer.status?.token ?? "";
    const expires = new Date(answer.status?.expirationTimestamp ?? Date.now() + 3_600_000).getTime();
    return { token, lifetimeMs: Math.max(1000, expires - Date.now()) };
  };

  const keepTokenFresh = (
    dir: string,
    path: string,
    mode: number,
    source: { audience?: string; expirationSeconds?: number },
    delayMs: number,
  ) => {
    const timer = setTimeout(async () => {
      timers.delete(timer);
      if (stopped) return;
      let next = 10_000; // on failure, try again soon: the old token is still valid for a while
      try {
        const fresh = await requestToken(source);
        if (stopped) return;
        await write(dir, { path, content: Buffer.from(fresh.token), mode }, tokenOwner(pod));
        next = renewalDelayMs(fresh.lifetimeMs);
      } catch (error) {
        options.onRefreshError(error);
      }
      if (!stopped) keepTokenFresh(dir, path, mode, source, next);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  };

  const downward = (
    volume: string,
    items: readonly V1DownwardAPIVolumeFile[] | undefined,
    mode: number,
  ): FileToWrite[] =>
    (items ?? []).map((item) => {
      if (item.fieldRef === undefined) {
        throw new NodeAgentError(
          `volume ${JSON.stringify(volume)}: downwardAPI item ${JSON.stringify(item.path)}: only fieldRef is supported`,
          {
            code: "CONTAINER_CONFIG",
          },
        );
      }
      return {
        path: checkedPath(volume, item.path),
        content: Buffer.from(
          fieldRefValue(item.fieldRef, { pod, podIP: options.podIP, hostIP: options.hostIP }),
        ),
        mode: item.mode ?? mode,
      };
    });

  try {
    for (const volume of volumes) {
      const dir = join(root, volume.name);
      if (volume.emptyDir) {
        await mkdir(dir, { recursive: true });
        // chmod after mkdir: the umask would strip the world-writable bit a shared scratch dir needs
        await chmod(dir, 0o777);
        continue;
      }
      await mkdir(dir, { recursive: true, mode: 0o755 });
      let files: FileToWrite[] = [];
      if (volume.secret || volume.configMap) {
        // The two keyed volumes differ only in their kind and in what their name field is called.
        const { secret, configMap } = volume;
        files = await keyedFiles({
          volume: volume.name,
          kind: secret ? "Secret" : "ConfigMap",
          name: (secret ? secret.secretName : configMap?.name) ?? "",
          items: (secret ?? configMap)?.items,
          optional: (secret ?? configMap)?.optional,
          mode: (secret ?? configMap)?.defaultMode ?? defaultFileMode,
          lookup: options.lookup,
        });
      } else if (volume.downwardAPI) {
        files = downward(
          volume.name,
          volume.downwardAPI.items,
          volume.downwardAPI.defaultMode ?? defaultFileMode,
        );
      } else if (volume.projected) {
        const mode = volume.projected.defaultMode ?? defaultFileMode;
        for (const source of volume.projected.sources ?? []) {
          if (source.serviceAccountToken) {
            const sat = source.serviceAccountToken;
            const path = checkedPath(volume.name, sat.path);
            const first = await requestToken(sat);
            await write(dir, { path, content: Buffer.from(first.token), mode }, tokenOwner(pod));
            keepTokenFresh(dir, path, mode, sat, renewalDelayMs(first.lifetimeMs));
          } else if (source.secret || source.configMap) {
            // The two keyed sources differ only in their kind; `name` is the field of both.
            const ref = source.secret ?? source.configMap;
            files.push(
              ...(await keyedFiles({
                volume: volume.name,
                kind: source.secret ? "Secret" : "ConfigMap",
                name: ref?.name ?? "",
                items: ref?.items,
                optional: ref?.optional,
                mode,
                lookup: options.lookup,
              })),
            );
          } else if (source.downwardAPI) {
            files.push(...downward(volume.name, source.downwardAPI.items, mode));
          } else {
            throw new NodeAgentError(
              `volume ${JSON.stringify(volume.name)}: projected source ${JSON.stringify(Object.keys(source))} is not supported`,
              {
                code: "CONTAINER_CONFIG",
              },
            );
          }
        }
      } else {
        const kind = Object.keys(volume).filter((k) => k !== "name");
        throw new NodeAgentError(
          `volume ${JSON.stringify(volume.name)}: type ${JSON.stringify(kind)} is not supported by the local node agent`,
          {
            code: "CONTAINER_CONFIG",
          },
        );
      }
      for (const file of files) await write(dir, file);
    }
  } catch (error) {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    throw error;
  }
  return {
    root,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** When to renew a projected token: at 80 % of its life, as the kubelet does. */
export function renewalDelayMs(lifetimeMs: number): number {
  return lifetimeMs * 0.8;
}
