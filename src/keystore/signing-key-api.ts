import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import type { Envelope } from "../envelope/index.ts";
import { KeyStoreError } from "./keystore-error.ts";
import { retryKubeCall } from "./retry-kube-call.ts";
import { type SigningKeyResource, signingKeyCrd } from "./signing-key-resource.ts";

/**
 * The HTTP status of a client-node failure: an `ApiException` carries it as `code`, a `Watch` failure as
 * `statusCode` (client-node 2.x).
 */
export function apiStatusOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code === "number") return code;
  return typeof statusCode === "number" ? statusCode : undefined;
}

/** The `message` of a Kubernetes Status body (client-node hands it over as text or parsed). */
function statusMessageOf(body: unknown): string {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return "";
    }
  }
  const message = (parsed as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message : "";
}

/** One watch event; `BOOKMARK` carries only a resourceVersion. */
export interface RawWatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: SigningKeyResource & { readonly code?: number };
}

/**
 * The SigningKey calls of one namespace over @kubernetes/client-node's CustomObjectsApi and Watch. Every
 * failure becomes a {@link KeyStoreError} naming the resource and status; 409 is left to callers to re-read.
 */
export class SigningKeyApi {
  readonly #api: CustomObjectsApi;
  readonly #watch: Watch;
  readonly namespace: string;

  constructor(kubeConfig: KubeConfig, namespace: string) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(kubeConfig);
    this.namespace = namespace;
  }

  #base() {
    const { group, version, plural } = signingKeyCrd;
    return { group, version, plural, namespace: this.namespace };
  }

  /** The {@link KeyStoreError} for a failed call (`what`) on `name` (undefined: the whole namespace). */
  fail(what: string, name: string | undefined, error: unknown): KeyStoreError {
    const status = apiStatusOf(error);
    const resource = `${this.namespace}/${name ?? "*"}`;
    const reason = statusMessageOf((error as { body?: unknown } | null)?.body).slice(0, 300);
    return new KeyStoreError(
      `SigningKey ${resource}: ${what} failed (${status === undefined ? (error as Error).message : `HTTP ${status}`}${reason ? `: ${reason}` : ""})`,
      {
        code:
          status === 404
            ? "KEYSTORE_NOT_FOUND"
            : status === 409
              ? "KEYSTORE_CONFLICT"
              : "KEYSTORE_API_FAILED",
        resource,
        ...(status !== undefined && { status }),
        cause: error,
      },
    );
  }

  async list(labelSelector?: string): Promise<{ items: SigningKeyResource[]; resourceVersion: string }> {
    try {
      const list = (await retryKubeCall(() =>
        this.#api.listNamespacedCustomObject({
          ...this.#base(),
          ...(labelSelector !== undefined && { labelSelector }),
        }),
      )) as { items: SigningKeyResource[]; metadata: { resourceVersion: string } };
      return { items: list.items, resourceVersion: list.metadata.resourceVersion };
    } catch (error) {
      throw this.fail("list", undefined, error);
    }
  }

  async get(name: string): Promise<SigningKeyResource> {
    try {
      return (await retryKubeCall(() =>
        this.#api.getNamespacedCustomObject({ ...this.#base(), name }),
      )) as SigningKeyResource;
    } catch (error) {
      throw this.fail("get", name, error);
    }
  }

  /** Creates; a name already taken is `KEYSTORE_CONFLICT` (status 409). */
  async create(body: unknown, name: string): Promise<SigningKeyResource> {
    try {
      return (await retryKubeCall(() =>
        this.#api.createNamespacedCustomObject({ ...this.#base(), body }),
      )) as SigningKeyResource;
    } catch (error) {
      throw this.fail("create", name, error);
    }
  }

  /**
   * Sets `spec.envelope` alone (a JSON merge patch), with `resourceVersion` as the precondition (409 when
   * stale). Everything else (finalizers, owner references, other writers' labels) stays as it is.
   */
  async patchEnvelope(
    name: string,
    resourceVersion: string,
    envelope: Envelope,
  ): Promise<SigningKeyResource> {
    const body = { metadata: { resourceVersion }, spec: { envelope } };
    try {
      return (await retryKubeCall(() =>
        this.#api.patchNamespacedCustomObject(
          { ...this.#base(), name, body },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      )) as SigningKeyResource;
    } catch (error) {
      throw this.fail("update", name, error);
    }
  }

  /** Replaces `status` through the status subresource, with the same precondition. */
  async replaceStatus(body: SigningKeyResource): Promise<SigningKeyResource> {
    try {
      return (await retryKubeCall(() =>
        this.#api.replaceNamespacedCustomObjectStatus({ ...this.#base(), name: body.metadata.name, body }),
      )) as SigningKeyResource;
    } catch (error) {
      throw this.fail("status update", body.metadata.name, error);
    }
  }

  /** Deletes only the version read (`preconditions.resourceVersion`: 409 when it changed); 404 is not found. */
  async delete(name: string, resourceVersion: string): Promise<void> {
    try {
      await retryKubeCall(() =>
        this.#api.deleteNamespacedCustomObject({
          ...this.#base(),
          name,
          body: { preconditions: { resourceVersion } },
        }),
      );
    } catch (error) {
      throw this.fail("delete", name, error);
    }
  }

  /**
   * Watches from `resourceVersion` (with bookmarks) until the server closes it after `timeoutSeconds`;
   * `done` gets the error, or null/undefined at a server close.
   */
  watch(
    resourceVersion: string,
    timeoutSeconds: number,
    onEvent: (event: RawWatchEvent) => void,
    done: (error: unknown) => void,
  ): Promise<AbortController> {
    const { group, version, plural } = signingKeyCrd;
    // client-node aborts a watch that has been quiet for requestTimeoutMs (default 30 s), shorter than
    // the server's bookmark interval (~1 min): an idle watch would be torn down and re-opened every 30 s.
    // Give the server its own close first. The field is `private` in client-node's typings, yet it
    // is the only way to set that timeout.
    (this.#watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (timeoutSeconds + 30) * 1000;
    return this.#watch.watch(
      `/apis/${group}/${version}/namespaces/${this.namespace}/${plural}`,
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
      (type, object) => onEvent({ type: type as RawWatchEvent["type"], object }),
      done,
    );
  }
}
