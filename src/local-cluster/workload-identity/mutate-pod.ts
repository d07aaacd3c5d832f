import type { V1Container, V1EnvVar, V1Pod, V1ServiceAccount, V1Volume } from "@kubernetes/client-node";
import { quoteLikeGo } from "../../errors/index.ts";
import { WorkloadIdentityError } from "./workload-identity-error.ts";
import {
  clientIdAnnotation,
  defaultAudience,
  defaultTokenExpirationSeconds,
  maxTokenExpirationSeconds,
  minTokenExpirationSeconds,
  skipContainersAnnotation,
  tenantIdAnnotation,
  tokenExpirationAnnotation,
  tokenFile,
  tokenMountPath,
  tokenVolumeName,
} from "./workload-identity-names.ts";

/** What the webhook itself is configured with (the real one reads these from its environment). */
export interface MutatePodConfig {
  /** Tenant used when the ServiceAccount has no `azure.workload.identity/tenant-id` annotation. */
  readonly tenantId: string;
  /** AZURE_AUTHORITY_HOST, e.g. `https://login.microsoftonline.com/` (the emulator's Entra for tests). */
  readonly authorityHost: string;
  /** Audience of the projected token. Default `api://AzureADTokenExchange`. */
  readonly audience?: string;
}

/** One RFC 6902 operation; the webhook only ever adds. */
export interface JsonPatchOp {
  readonly op: "add";
  readonly path: string;
  readonly value: unknown;
}

/**
 * The JSON Patch the Azure Workload Identity webhook (v1.5.1 `podMutator.Handle`) applies to a Pod
 * whose ServiceAccount is `serviceAccount`: env and a read-only token mount for every init and main
 * container not named in `skip-containers`, and the projected token volume. Like the real one it never
 * overwrites: an env name the container already has (by value or valueFrom), a mount already named
 * `azure-identity-token`, or a projected token already at path `azure-identity-token` is left alone, and
 * an empty value (no client-id annotation) is not added at all. It does not look at the opt-in label:
 * the registration's objectSelector does. Throws `WI_TOKEN_EXPIRATION_INVALID` as the real one refuses.
 */
export function mutatePod(
  pod: V1Pod,
  serviceAccount: V1ServiceAccount,
  config: MutatePodConfig,
): JsonPatchOp[] {
  const expirationSeconds = tokenExpirationSeconds(pod, serviceAccount);
  const saAnnotations = serviceAccount.metadata?.annotations ?? {};
  const desiredEnv: V1EnvVar[] = [
    { name: "AZURE_CLIENT_ID", value: saAnnotations[clientIdAnnotation] ?? "" },
    // Present but empty still wins over the configured tenant, as in the Go code (`, ok` lookup).
    { name: "AZURE_TENANT_ID", value: saAnnotations[tenantIdAnnotation] ?? config.tenantId },
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: tokenFile },
    { name: "AZURE_AUTHORITY_HOST", value: config.authorityHost },
  ].filter((env) => env.value !== "");
  const skip = skipContainers(pod);

  const ops: JsonPatchOp[] = [];
  const mutateContainers = (field: "initContainers" | "containers") => {
    (pod.spec?.[field] ?? []).forEach((container: V1Container, index) => {
      if (skip.has(container.name)) return;
      const base = `/spec/${field}/${index}`;
      const present = new Set((container.env ?? []).map((env) => env.name));
      const missing = desiredEnv.filter((env) => !present.has(env.name));
      ops.push(...appendTo(`${base}/env`, container.env, missing));
      if (!(container.volumeMounts ?? []).some((mount) => mount.name === tokenVolumeName)) {
        const mount = { name: tokenVolumeName, mountPath: tokenMountPath, readOnly: true };
        ops.push(...appendTo(`${base}/volumeMounts`, container.volumeMounts, [mount]));
      }
    });
  };
  mutateContainers("initContainers");
  mutateContainers("containers");

  // Added even when every container is skipped, as the real one does.
  if (!hasTokenProjection(pod.spec?.volumes)) {
    const volume: V1Volume = {
      name: tokenVolumeName,
      projected: {
        sources: [
          {
            serviceAccountToken: {
              path: tokenVolumeName,
              expirationSeconds,
              audience: config.audience ?? defaultAudience,
            },
          },
        ],
      },
    };
    ops.push(...appendTo("/spec/volumes", pod.spec?.volumes, [volume]));
  }
  return ops;
}

/** Ops appending `items` to the array at `path`, creating it when the Pod has none. */
function appendTo(
  path: string,
  existing: readonly unknown[] | undefined,
  items: readonly unknown[],
): JsonPatchOp[] {
  if (items.length === 0) return [];
  if (existing === undefined) return [{ op: "add", path, value: [...items] }];
  return items.map((value) => ({ op: "add", path: `${path}/-`, value }));
}

function hasTokenProjection(volumes: readonly V1Volume[] | undefined): boolean {
  return (volumes ?? []).some((volume) =>
    (volume.projected?.sources ?? []).some((source) => source.serviceAccountToken?.path === tokenVolumeName),
  );
}

/** `;`-separated names, each trimmed (Go: strings.Split then TrimSpace). */
function skipContainers(pod: V1Pod): Set<string> {
  const value = pod.metadata?.annotations?.[skipContainersAnnotation] ?? "";
  return new Set(value === "" ? [] : value.split(";").map((name) => name.trim()));
}

/** The Pod's annotation first, then the ServiceAccount's, then 3600; outside 3600..86400 is refused. */
function tokenExpirationSeconds(pod: V1Pod, serviceAccount: V1ServiceAccount): number {
  const fromPod = pod.metadata?.annotations?.[tokenExpirationAnnotation] ?? "";
  const fromSa = serviceAccount.metadata?.annotations?.[tokenExpirationAnnotation] ?? "";
  const text = fromPod !== "" ? fromPod : fromSa;
  if (text === "") return defaultTokenExpirationSeconds;
  const seconds = parseInt64(text);
  if (seconds < minTokenExpirationSeconds || seconds > maxTokenExpirationSeconds) {
    throw new WorkloadIdentityError(
      `token expiration ${seconds} not valid. Expected value to be between ${minTokenExpirationSeconds} and ${maxTokenExpirationSeconds}`,
      { code: "WI_TOKEN_EXPIRATION_INVALID" },
    );
  }
  return Number(seconds);
}

/** Go's strconv.ParseInt(text, 10, 64), with its error text (the real webhook returns it as is). */
function parseInt64(text: string): bigint {
  const fail = (why: string) =>
    new WorkloadIdentityError(`strconv.ParseInt: parsing ${quoteLikeGo(text)}: ${why}`, {
      code: "WI_TOKEN_EXPIRATION_INVALID",
    });
  if (!/^[+-]?[0-9]+$/.test(text)) throw fail("invalid syntax");
  const value = BigInt(text);
  if (value > 0x7fff_ffff_ffff_ffffn || value < -0x8000_0000_0000_0000n) throw fail("value out of range");
  return value;
}
