import { once } from "node:events";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { keyUses, parseTrustDomain, type SigningKeySet } from "../svid/index.ts";
import { bundleHandler } from "./bundle-handler.ts";
import { healthzHandler, readyzHandler } from "./health-handlers.ts";
import { metricsHandler } from "./metrics-handler.ts";
import { type Route, routeRequests } from "./route-request.ts";
import type { ServerLog } from "./server-log.ts";
import { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from "./server-metrics.ts";
import { jwtSvidHandler, x509SvidHandler } from "./svid-handlers.ts";
import type { TokenReviewer } from "./token-reviewer.ts";

/** Options of {@link startSvidServer}. */
export interface SvidServerOptions {
  /** The trust domain every SVID belongs to. */
  readonly trustDomain: string;
  /** The signing keys, in memory: the request path reads only this. */
  readonly keys: SigningKeySet;
  /** Checks callers' service-account tokens (wrap it in `cachedTokenReviewer`). */
  readonly reviewer: TokenReviewer;
  /** Address to listen on. Default host `0.0.0.0`, port 8443. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Serving certificate and key (PEM). Required unless `insecureHttp`. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Serve plain HTTP (for a TLS-terminating sidecar or local tests). Default false. */
  readonly insecureHttp?: boolean;
  /** Largest request body in bytes. Default 64 KiB (a CSR is about 1 KiB). */
  readonly bodyLimitBytes?: number;
  /** Open connections at most; beyond, a new one is dropped at once. Default 1,024. */
  readonly maxConnections?: number;
  /** Deadline of every request in ms, token review included. Default 10,000. */
  readonly requestTimeoutMs?: number;
  /** JWT-SVID lifetime in seconds. Default 300 (the JWT-SVID spec asks for short-lived tokens). */
  readonly jwtTtlSeconds?: number;
  /** X509-SVID lifetime in seconds. Default 3,600. */
  readonly x509TtlSeconds?: number;
  /** The bundle's `spiffe_refresh_hint` in seconds. Default 300. */
  readonly bundleRefreshHintSeconds?: number;
  /** Readiness. Default: an active, unexpired key of every use is loaded. */
  readonly isReady?: () => boolean;
  /** HSM requests by operation, for `/metrics`. Default: not reported. */
  readonly hsmCalls?: () => Readonly<Record<string, number>>;
  /** Whether this replica leads, for `/metrics`. Default: not reported. */
  readonly leader?: ServerMetricsOptions["leader"];
  /** Background key work's failures, for `/metrics`. Default: not reported. */
  readonly maintenance?: ServerMetricsOptions["maintenance"];
  /** Node's process metrics in `/metrics`. Default true. */
  readonly processMetrics?: boolean;
  /** Where events go. Default: nowhere. */
  readonly log?: ServerLog;
}

/** A running server. */
export interface SvidServer {
  /** `https://host:port` (or `http://` with `insecureHttp`). */
  readonly url: string;
  readonly metrics: ServerMetrics;
  /** Requests being answered now. */
  inFlight(): number;
  /**
   * Stops accepting connections, lets requests in flight finish (at most `graceMs`, default 10,000), then
   * drops the remaining connections. Safe to call twice.
   */
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

/** Starts the SPIFFE Trust Domain Server's HTTP(S) endpoints; resolves once it listens. */
export async function startSvidServer(options: SvidServerOptions): Promise<SvidServer> {
  const trustDomain = parseTrustDomain(options.trustDomain);
  if (options.tls === undefined && options.insecureHttp !== true)
    throw new TypeError(
      "startSvidServer: a serving certificate (tls) is required unless insecureHttp is set",
    );
  const { keys } = options;
  const log = options.log ?? (() => {});
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const metrics = createServerMetrics({
    keys,
    ...(options.hsmCalls !== undefined && { hsmCalls: options.hsmCalls }),
    ...(options.processMetrics !== undefined && { processMetrics: options.processMetrics }),
    ...(options.maintenance !== undefined && { maintenance: options.maintenance }),
    ...(options.leader !== undefined && { leader: options.leader }),
  });
  const svid = {
    trustDomain,
    keys,
    reviewer: options.reviewer,
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
    jwtTtlSeconds: options.jwtTtlSeconds ?? 300,
    x509TtlSeconds: options.x509TtlSeconds ?? 3600,
  };
  const isReady =
    options.isReady ??
    (() => keyUses.every((use) => (keys.active(use)?.notAfter.getTime() ?? 0) > Date.now()));
  const routes: Route[] = [
    {
      method: "GET",
      path: "/bundle",
      operation: "bundle",
      handler: bundleHandler({ keys, refreshHintSeconds: options.bundleRefreshHintSeconds ?? 300 }),
    },
    { method: "POST", path: "/svid/jwt", operation: "jwt_svid", handler: jwtSvidHandler(svid) },
    { method: "POST", path: "/svid/x509", operation: "x509_svid", handler: x509SvidHandler(svid) },
    { method: "GET", path: "/healthz", operation: "healthz", handler: healthzHandler },
    { method: "GET", path: "/readyz", operation: "readyz", handler: readyzHandler(isReady) },
    { method: "GET", path: "/metrics", operation: "metrics", handler: metricsHandler(metrics.registry) },
  ];
  const route = routeRequests({ routes, requestTimeoutMs, metrics, log });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    inFlight++;
    response.once("close", () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    route(request, response);
  };
  const serverOptions = {
    // Node's own limits close the gaps before a handler runs: slow headers and slow bodies.
    headersTimeout: Math.min(requestTimeoutMs, 60_000),
    requestTimeout: requestTimeoutMs,
  };
  const server: Server =
    options.tls === undefined
      ? createHttpServer(serverOptions, listener)
      : createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener);
  // Bounds what a flood of clients can hold open (each request may wait on a TokenReview).
  server.maxConnections = options.maxConnections ?? 1024;
  server.listen(options.listen?.port ?? 8443, options.listen?.host ?? "0.0.0.0");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${options.tls === undefined ? "http" : "https"}://${host}:${address.port}`;
  log({ level: "info", msg: "serving SVIDs", fields: { url, trustDomain } });

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Logged once the listener is closed: from this line on, a new connection is refused.
    log({ level: "info", msg: "shutting down: no new connections", fields: { inFlight } });
    if (inFlight > 0) {
      const finished = new Promise<void>((resolve) => {
        drained = resolve;
      });
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([finished, timer]);
    }
    server.closeAllConnections();
    await closed;
    log({ level: "info", msg: "shut down", fields: { unfinished: inFlight } });
  };
  return {
    url,
    metrics,
    inFlight: () => inFlight,
    close(closeOptions = {}) {
      closing ??= close(closeOptions.graceMs ?? 10_000);
      return closing;
    },
  };
}
