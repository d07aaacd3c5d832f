import type { Registry } from "prom-client";
import type { Handler } from "./handler.ts";

/** `GET /metrics`: Prometheus text exposition of the server's own registry. */
export function metricsHandler(registry: Registry): Handler {
  return async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType });
}
