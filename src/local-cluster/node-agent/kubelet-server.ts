import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { type ContainerLogWriter, type LogQuery, streamContainerLog } from "./container-log.ts";

/** Where one container's log is: its file, and its writer while the container's streams are open. */
export interface LogLocation {
  readonly file: string;
  readonly writer?: ContainerLogWriter;
}

/** Finds a container's current (or previous) log; a string is the reason there is none (HTTP 404/400). */
export type FindLog = (args: {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}) => LogLocation | { readonly notFound: string };

/** Options of {@link startKubeletServer}. */
export interface KubeletServerOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Only clients with a certificate from this CA (the API server's kubelet client cert) get in. */
  readonly clientCaFile: string;
  readonly findLog: FindLog;
  /** Default 0: a free port. */
  readonly port?: number;
}

function flag(value: string | null): boolean {
  return value === "true" || value === "1";
}

function integer(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : Number.NaN;
}

/** The query string `kubectl logs` sends through the API server, as the kubelet reads it. */
export function parseLogQuery(params: URLSearchParams, now: Date): LogQuery | string {
  const tailLines = integer(params.get("tailLines"));
  const limitBytes = integer(params.get("limitBytes"));
  const sinceSeconds = integer(params.get("sinceSeconds"));
  const sinceTime = params.get("sinceTime");
  for (const [name, value] of [
    ["tailLines", tailLines],
    ["limitBytes", limitBytes],
    ["sinceSeconds", sinceSeconds],
  ] as const) {
    if (Number.isNaN(value) || (value !== undefined && value < 0))
      return `${name}: expected a non-negative integer`;
  }
  if (limitBytes === 0) return "limitBytes: must be greater than 0";
  let since: Date | undefined;
  if (sinceSeconds !== undefined) since = new Date(now.getTime() - sinceSeconds * 1000);
  else if (sinceTime !== null && sinceTime !== "") {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime())) return "sinceTime: expected an RFC3339 time";
  }
  return {
    follow: flag(params.get("follow")),
    timestamps: flag(params.get("timestamps")),
    ...(tailLines === undefined ? {} : { tailLines }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
    ...(since === undefined ? {} : { since }),
  };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse, findLog: FindLog): Promise<void> {
  const url = new URL(req.url ?? "/", "https://kubelet");
  if (req.method !== "GET") return plain(res, 405, "method not allowed");
  if (url.pathname === "/healthz") return plain(res, 200, "ok");
  const parts = url.pathname.split("/").map((p) => decodeURIComponent(p));
  // ["", "containerLogs", ns, pod, container]
  if (parts.length !== 5 || parts[1] !== "containerLogs") return plain(res, 404, "not found");
  const [, , namespace = "", pod = "", container = ""] = parts;
  const query = parseLogQuery(url.searchParams, new Date());
  if (typeof query === "string") return plain(res, 400, query);
  const found = findLog({ namespace, pod, container, previous: flag(url.searchParams.get("previous")) });
  if ("notFound" in found) return plain(res, 404, found.notFound);
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  await streamContainerLog({
    file: found.file,
    ...(found.writer === undefined ? {} : { writer: found.writer }),
    query,
    write: (text) => res.write(text),
    signal: abort.signal,
  });
  res.end();
}

/**
 * The kubelet's HTTPS API, only what `kubectl logs` (and so Helm's hook log streaming) needs:
 * `GET /containerLogs/{namespace}/{pod}/{container}`. The API server proxies to it with its
 * `--kubelet-client-certificate`; clients without a certificate from the cluster CA are refused at the
 * TLS handshake. Authorization (the real kubelet's SubjectAccessReview) is not done: every CA-signed
 * client is trusted, which in a local cluster means the API server and the admin.
 */
export async function startKubeletServer(
  options: KubeletServerOptions,
): Promise<{ port: number; server: Server }> {
  const [cert, key, ca] = await Promise.all([
    readFile(options.certFile),
    readFile(options.keyFile),
    readFile(options.clientCaFile),
  ]);
  const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    handle(req, res, options.findLog).catch((error: unknown) => {
      if (!res.headersSent) plain(res, 500, (error as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, server };
}
