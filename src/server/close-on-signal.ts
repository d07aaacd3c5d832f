import { once } from "node:events";
import type { ServerLog } from "./server-log.ts";
import type { SvidServer } from "./start-svid-server.ts";

/** Options of {@link closeOnSignal}. */
export interface CloseOnSignalOptions {
  /** Dropped once the server has closed, so no reference keeps a private key alive. */
  readonly keys: { clear(): void };
  /** Default SIGTERM (what the kubelet sends) and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** How long requests in flight may take to finish, in ms. Default 10,000 (within the pod's grace period). */
  readonly graceMs?: number;
  readonly log?: ServerLog;
}

/**
 * Waits for a termination signal, then stops accepting connections, lets requests in flight finish, and
 * drops the keys. Resolves with the signal; the caller exits 0. A private `KeyObject` lives in native
 * memory that JavaScript cannot overwrite: dropping every reference (and the process exiting) is what
 * the runtime allows.
 */
export async function closeOnSignal(
  server: SvidServer,
  options: CloseOnSignalOptions,
): Promise<NodeJS.Signals> {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const controller = new AbortController();
  const signal = await Promise.race(
    signals.map((name) => once(process, name, { signal: controller.signal }).then(() => name)),
  );
  controller.abort();
  options.log?.({ level: "info", msg: "received signal", fields: { signal } });
  await server.close({ graceMs: options.graceMs ?? 10_000 });
  options.keys.clear();
  return signal;
}
