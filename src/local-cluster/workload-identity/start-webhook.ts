import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { CoreV1Api, type KubeConfig, type V1LabelSelector } from "@kubernetes/client-node";
import { apiFailureMessage } from "./api-failure.ts";
import type { MutatePodConfig } from "./mutate-pod.ts";
import { registerWorkloadIdentityWebhook } from "./register-webhook.ts";
import { type ReadServiceAccount, reviewPod } from "./review-pod.ts";
import { WorkloadIdentityError } from "./workload-identity-error.ts";
import { webhookPath } from "./workload-identity-names.ts";

/** Options of {@link startWorkloadIdentityWebhook}. */
export interface WorkloadIdentityWebhookOptions {
  /** Admin access: reads ServiceAccounts, creates the MutatingWebhookConfiguration. */
  readonly kubeConfig: KubeConfig;
  /** PEM files of the serving certificate (SAN: the listen address) and its key. */
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** PEM file of the CA that signed `tls.certFile`: the registration's caBundle. */
  readonly caFile: string;
  /** AZURE_TENANT_ID for ServiceAccounts without a tenant-id annotation. */
  readonly tenantId: string;
  /** AZURE_AUTHORITY_HOST given to every mutated container. */
  readonly authorityHost: string;
  /** Address to listen on; the API server must reach it. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 0 (any free one). */
  readonly port?: number;
  /** See {@link WebhookRegistrationOptions.namespaceSelector}. Default: every namespace. */
  readonly namespaceSelector?: V1LabelSelector;
}

export interface WorkloadIdentityWebhook {
  /** The endpoint the API server calls, `https://<host>:<port>/mutate-v1-pod`. */
  readonly url: string;
  /** Deletes the registration first (labelled Pods would be refused while it points nowhere), then stops. */
  close(): Promise<void>;
}

/** The API server's request cap is 3 MiB; a review wraps one Pod. */
const maxBodyBytes = 4 * 1024 * 1024;
/** The registration's timeoutSeconds is 10; the ServiceAccount read gets most of it. */
const serviceAccountReadTimeoutMs = 8_000;

/**
 * Serves the Azure Workload Identity mutating webhook over HTTPS and registers it with the API server,
 * so Pods created through the API come back as they would on AKS with Workload Identity enabled.
 */
export async function startWorkloadIdentityWebhook(
  options: WorkloadIdentityWebhookOptions,
): Promise<WorkloadIdentityWebhook> {
  const read = (file: string) =>
    readFile(file).catch((error: unknown) => {
      throw new WorkloadIdentityError(
        `workload identity webhook: cannot read ${file} (${(error as Error).message})`,
        {
          code: "WI_SERVE_FAILED",
          cause: error,
        },
      );
    });
  const [cert, key, ca] = await Promise.all([
    read(options.tls.certFile),
    read(options.tls.keyFile),
    read(options.caFile),
  ]);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const readServiceAccount: ReadServiceAccount = async (namespace, name) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading serviceaccount ${namespace}/${name}: no answer in ${serviceAccountReadTimeoutMs} ms`,
            ),
          ),
        serviceAccountReadTimeoutMs,
      );
    });
    try {
      return await Promise.race([core.readNamespacedServiceAccount({ namespace, name }), deadline]);
    } catch (error) {
      throw new Error(apiFailureMessage(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
  const config: MutatePodConfig = { tenantId: options.tenantId, authorityHost: options.authorityHost };

  const server = createServer({ cert, key, requestTimeout: 15_000, headersTimeout: 10_000 }, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "https://webhook");
    if (req.method !== "POST" || url.pathname !== webhookPath) {
      reply(404, { code: "NOT_FOUND", message: `only POST ${webhookPath} is served` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reply(413, {
          code: "BODY_TOO_LARGE",
          message: `an AdmissionReview larger than ${maxBodyBytes} bytes`,
        });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (res.headersSent) return;
      let review: unknown;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        reply(400, { code: "WI_REVIEW_INVALID", message: "the body is not JSON" });
        return;
      }
      reviewPod(review, readServiceAccount, config).then(
        (answer) => {
          if (answer === undefined)
            reply(400, { code: "WI_REVIEW_INVALID", message: "not an AdmissionReview v1 with request.uid" });
          else reply(200, answer);
        },
        (error: unknown) => reply(500, { code: "INTERNAL", message: (error as Error).message }),
      );
    });
  });

  const address = await listen(server, options.host ?? "127.0.0.1", options.port ?? 0);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `https://${host}:${address.port}${webhookPath}`;
  let registration: Awaited<ReturnType<typeof registerWorkloadIdentityWebhook>>;
  try {
    registration = await registerWorkloadIdentityWebhook(options.kubeConfig, {
      url,
      caBundle: ca,
      ...(options.namespaceSelector !== undefined && { namespaceSelector: options.namespaceSelector }),
    });
  } catch (error) {
    await stopServer(server);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= registration.unregister().finally(() => stopServer(server));
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new WorkloadIdentityError(
          `workload identity webhook: cannot listen on ${host}:${port} (${error.message})`,
          {
            code: "WI_SERVE_FAILED",
            cause: error,
          },
        ),
      );
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections from the API server would hold close() open.
    server.closeAllConnections();
  });
}
