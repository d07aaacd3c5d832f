import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { SigningKeySet } from "../svid/index.ts";
import type { HttpErrorCode } from "./http-error.ts";
import type { PeriodicTaskStats } from "./run-periodically.ts";

/** Background key work: the `task` label. */
export type MaintenanceTask = "rotation" | "rewrap";

/** What a request did: the `operation` label (a closed set). */
export type Operation = "bundle" | "jwt_svid" | "x509_svid" | "healthz" | "readyz" | "metrics" | "other";

/** How a request ended: the `outcome` label. */
export type Outcome = "ok" | "client_error" | "server_error";

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** The keys, read at scrape time for the by-state and by-KEK-version gauges. */
  readonly keys: SigningKeySet;
  /** HSM requests by operation since start (from the key store's HSM client); default: none reported. */
  readonly hsmCalls?: () => Readonly<Record<string, number>>;
  /** Whether this replica holds the leader Lease (rotates and rewraps); default: not reported. */
  readonly leader?: () => boolean;
  /** Failures of the background key work, by task; default: none reported. */
  readonly maintenance?: () => Partial<Readonly<Record<MaintenanceTask, PeriodicTaskStats>>>;
  /** Adds Node's process metrics (memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

/** The server's Prometheus metrics: requests by operation/outcome/code, latency, keys, HSM calls. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts one finished request and its duration. */
  observe(operation: Operation, outcome: Outcome, code: HttpErrorCode | "none", seconds: number): void;
}

/**
 * Metrics in their own registry (never the global one), every label from a small closed set: operation,
 * outcome and failure code are enums, key use/state are enums, and KEK versions are those in use.
 */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "spirl_keywrap_requests_total",
    help: "Requests answered, by operation, outcome and failure code (none when it succeeded).",
    labelNames: ["operation", "outcome", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "spirl_keywrap_request_duration_seconds",
    help: "Time from request to answer, by operation.",
    labelNames: ["operation"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: "spirl_keywrap_signing_keys",
    help: "Signing keys held in memory, by use and state (prepared, active, retired).",
    labelNames: ["use", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const key of options.keys.published()) this.labels(key.use, key.state).inc();
    },
  });
  new Gauge({
    name: "spirl_keywrap_signing_keys_by_kek_version",
    help: "Signing keys whose envelope is wrapped with each KEK version: a version at 0 may be disabled.",
    labelNames: ["kek_version"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const key of options.keys.published())
        if (key.kekVersion !== undefined) this.labels(key.kekVersion).inc();
    },
  });
  const hsmCalls = options.hsmCalls;
  new Counter({
    name: "spirl_keywrap_hsm_calls_total",
    help: "Requests sent to the Managed HSM since start, by operation (none while only signing).",
    labelNames: ["operation"] as const,
    registers: [registry],
    collect() {
      if (hsmCalls === undefined) return;
      this.reset();
      for (const [operation, count] of Object.entries(hsmCalls())) this.labels(operation).inc(count);
    },
  });
  const maintenance = options.maintenance;
  const byTask = function* () {
    if (maintenance !== undefined)
      for (const [task, stats] of Object.entries(maintenance()))
        if (stats !== undefined) yield { task, stats };
  };
  new Counter({
    name: "spirl_keywrap_key_maintenance_failures_total",
    help: "Failed runs of the background key work (rotation, rewrap), by task; signing goes on with the keys held.",
    labelNames: ["task"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { task, stats } of byTask()) this.labels(task).inc(stats.failures);
    },
  });
  new Gauge({
    name: "spirl_keywrap_key_maintenance_consecutive_failures",
    help: "Failed runs since the last that succeeded, by task (0: healthy); alert when it stays above 0.",
    labelNames: ["task"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { task, stats } of byTask()) this.labels(task).set(stats.consecutiveFailures);
    },
  });
  const leader = options.leader;
  if (leader !== undefined)
    new Gauge({
      name: "spirl_keywrap_leader",
      help: "1 when this replica holds the leader Lease: it alone rotates and rewraps keys.",
      registers: [registry],
      collect() {
        this.set(leader() ? 1 : 0);
      },
    });
  return {
    registry,
    observe(operation, outcome, code, seconds) {
      requests.labels(operation, outcome, code).inc();
      duration.labels(operation).observe(seconds);
    },
  };
}
