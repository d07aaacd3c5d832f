import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Fault } from "./fault-plan.ts";

/**
 * The network's latency only (no `operation`), for the 401 challenge: the front door answers it before
 * any operation runs, so neither a slow operation nor any other fault touches it.
 */
export const networkLatencyOnly = (fault: Fault): boolean =>
  fault.kind === "latency" && fault.operation === undefined;

/** The round trip the drawn `latency` faults add, in ms (each defaults to 100). */
export function addedLatencyMs(faults: readonly Fault[]): number {
  return faults.reduce((sum, fault) => sum + (fault.kind === "latency" ? (fault.latencyMs ?? 100) : 0), 0);
}

/**
 * Waits the added round trip before the caller answers on `socket`; false when the socket closed
 * first (the client gave up), so nothing is written and no timer outlives the connection.
 */
export async function holdForLatency(faults: readonly Fault[], socket: Socket): Promise<boolean> {
  const ms = addedLatencyMs(faults);
  if (ms === 0) return !socket.destroyed;
  if (socket.destroyed) return false;
  const closed = new AbortController();
  const onClose = () => closed.abort();
  socket.once("close", onClose);
  try {
    await sleep(ms, undefined, { signal: closed.signal });
    return true;
  } catch {
    return false;
  } finally {
    socket.off("close", onClose);
  }
}
