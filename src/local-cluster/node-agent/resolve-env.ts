import type { V1Container, V1ObjectFieldSelector, V1Pod } from "@kubernetes/client-node";
import { NodeAgentError } from "./node-agent-error.ts";

/** Looks up a Secret's or ConfigMap's data (decoded to text); `undefined` when it does not exist. */
export type DataLookup = (name: string) => Promise<Readonly<Record<string, string>> | undefined>;

/** What {@link resolveEnv} needs besides the container. */
export interface EnvContext {
  readonly pod: V1Pod;
  readonly podIP: string;
  readonly hostIP: string;
  /** Where Pods reach the API server (the gateway forward): KUBERNETES_SERVICE_* and KUBERNETES_PORT_*. */
  readonly apiServer: { readonly host: string; readonly port: number };
  /** The node's additions to every container (AKS's HTTP proxy feature); the Pod's own env wins. */
  readonly defaults?: Readonly<Record<string, string>>;
  readonly secret: DataLookup;
  readonly configMap: DataLookup;
}

// What an image's config usually sets; nothing is inherited from the node agent's own environment.
const baseEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

/**
 * `$(NAME)` -> the value of NAME when defined, `$$` -> `$`, anything else left as written: the kubelet's
 * expansion rules (k8s.io/kubernetes/third_party/forked/golang/expansion).
 */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char !== "$" || i + 1 >= text.length) {
      out += char;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = text.indexOf(")", i + 2);
      if (close === -1) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += Object.hasOwn(env, name) ? env[name] : `$(${name})`;
      i = close;
    } else {
      out += char;
    }
  }
  return out;
}

/** The value of a `fieldRef` (env and downwardAPI volumes share it). */
export function fieldRefValue(
  ref: V1ObjectFieldSelector,
  context: Pick<EnvContext, "pod" | "podIP" | "hostIP">,
): string {
  const { pod } = context;
  const path = ref.fieldPath;
  const keyed = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (keyed) {
    const map = (keyed[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
    return map[keyed[2] ?? ""] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "metadata.labels":
      return formatMap(pod.metadata?.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata?.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.podIP":
    case "status.podIPs":
      return context.podIP;
    case "status.hostIP":
    case "status.hostIPs":
      return context.hostIP;
    default:
      throw new NodeAgentError(`fieldRef ${JSON.stringify(path)} is not supported by the local node agent`, {
        code: "CONTAINER_CONFIG",
      });
  }
}

// The downward API's map format: one `key="value"` per line, sorted, values quoted as Go's %q.
function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key])}`)
    .join("\n");
}

/** KUBERNETES_SERVICE_* and KUBERNETES_PORT* as the kubelet sets them for the `kubernetes` Service. */
export function apiServerEnv(apiServer: EnvContext["apiServer"]): Record<string, string> {
  const { host, port } = apiServer;
  const url = `tcp://${host}:${port}`;
  const prefix = `KUBERNETES_PORT_${port}_TCP`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: url,
    [prefix]: url,
    [`${prefix}_PROTO`]: "tcp",
    [`${prefix}_PORT`]: String(port),
    [`${prefix}_ADDR`]: host,
  };
}

/**
 * The whole environment of one container, in the kubelet's order: the `kubernetes` Service's variables and
 * the node's defaults, then `envFrom` in order, then `env` in order (each value may use `$(NAME)` of what
 * came before). A missing Secret/ConfigMap or key fails unless the reference is `optional`.
 */
export async function resolveEnv(
  container: V1Container,
  context: EnvContext,
): Promise<Record<string, string>> {
  const where = `container ${JSON.stringify(container.name)}`;
  const env: Record<string, string> = {
    ...baseEnv,
    HOSTNAME: context.pod.metadata?.name ?? "",
    ...apiServerEnv(context.apiServer),
    ...context.defaults,
  };
  /** What the Pod itself names, checked below: the node's own defaults may set NODE_EXTRA_CA_CERTS. */
  const setByPod = new Set<string>();
  for (const source of container.envFrom ?? []) {
    const ref = source.secretRef ?? source.configMapRef;
    if (ref === undefined) continue;
    const kind = source.secretRef ? "Secret" : "ConfigMap";
    const data = await (source.secretRef ? context.secret : context.configMap)(ref.name ?? "");
    if (data === undefined) {
      if (ref.optional === true) continue;
      throw missing(`${where}: envFrom ${kind} ${JSON.stringify(ref.name)} not found`);
    }
    for (const [key, value] of Object.entries(data)) {
      env[`${source.prefix ?? ""}${key}`] = value;
      setByPod.add(`${source.prefix ?? ""}${key}`);
    }
  }
  for (const variable of container.env ?? []) {
    setByPod.add(variable.name);
    const from = variable.valueFrom;
    if (from === undefined) {
      env[variable.name] = expandVars(variable.value ?? "", env);
      continue;
    }
    if (from.fieldRef) {
      env[variable.name] = fieldRefValue(from.fieldRef, context);
      continue;
    }
    const keyRef = from.secretKeyRef ?? from.configMapKeyRef;
    if (keyRef === undefined) {
      throw new NodeAgentError(
        `${where}: env ${JSON.stringify(variable.name)}: this valueFrom is not supported`,
        {
          code: "CONTAINER_CONFIG",
        },
      );
    }
    const kind = from.secretKeyRef ? "secret" : "configmap";
    const data = await (from.secretKeyRef ? context.secret : context.configMap)(keyRef.name ?? "");
    const value = data?.[keyRef.key];
    if (value === undefined) {
      if (keyRef.optional === true) continue;
      throw missing(
        data === undefined
          ? `${where}: ${kind} ${JSON.stringify(keyRef.name)} not found`
          : `${where}: couldn't find key ${keyRef.key} in ${kind} ${context.pod.metadata?.namespace}/${keyRef.name}`,
      );
    }
    env[variable.name] = value;
  }
  const refused = [...setByPod].find(isCodeLoadingVariable);
  if (refused !== undefined)
    throw new NodeAgentError(
      `${where}: env ${JSON.stringify(refused)}: the local node passes no NODE_* (but NODE_ENV and NODE_EXTRA_CA_CERTS) or LD_* variable from a Pod, since it would make Node or the loader run code the image table does not name`,
      { code: "CONTAINER_CONFIG" },
    );
  return env;
}

/**
 * Variables that make the Node binary or the dynamic loader load more code (`NODE_OPTIONS=--import=…`,
 * `LD_PRELOAD`): a Pod setting one would run what it likes under an allowed image's program.
 */
export function isCodeLoadingVariable(name: string): boolean {
  if (name === "NODE_ENV" || name === "NODE_EXTRA_CA_CERTS") return false;
  return name.startsWith("NODE_") || name.startsWith("LD_");
}

function missing(message: string): NodeAgentError {
  return new NodeAgentError(message, { code: "CONTAINER_CONFIG" });
}
