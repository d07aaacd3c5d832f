import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { hostAddresses, prefixesOverlap } from "./host-addresses.ts";
import type { HostTools } from "./host-tools.ts";
import {
  bridgeName,
  lockSocketPath,
  networkAddresses,
  networkNumbers,
  recordPath,
  stateRoot,
} from "./network-names.ts";
import { PodNetworkError } from "./pod-network-error.ts";
import { removeNetworkLeftovers } from "./remove-network-leftovers.ts";

/** A network number this process owns until `release()`. */
export interface NetworkClaim {
  readonly n: number;
  /** Removes the owner record and drops the lock. */
  release(): Promise<void>;
}

/** Binds N's abstract socket; undefined when another live process (or this one) holds it. */
async function lockNetwork(n: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "EADDRINUSE" ? resolve(undefined) : reject(error),
    );
    server.listen({ path: lockSocketPath(n) }, () => {
      // The lock must never keep the process alive on its own.
      server.unref();
      resolve(server);
    });
  });
}

async function recordedOwner(n: number): Promise<number | undefined> {
  const text = await readFile(recordPath(n), "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims the lowest free network number. The lock is an abstract unix socket, because the kernel drops it
 * the moment its owner dies: whoever binds it knows that any bridge, namespace or record left for that
 * number is stale, and removes it. The pid record is for people (and for tools that predate the lock): a
 * record naming another live pid is respected even when the lock is free.
 */
export async function claimNetworkNumber(
  tools: HostTools,
  log: (line: string) => void,
): Promise<NetworkClaim> {
  await mkdir(stateRoot, { recursive: true, mode: 0o755 });
  const addresses = await hostAddresses(tools);
  for (let n = networkNumbers.first; n <= networkNumbers.last; n++) {
    const lock = await lockNetwork(n);
    if (lock === undefined) continue;
    const unlock = () => new Promise<void>((resolve) => lock.close(() => resolve()));
    const owner = await recordedOwner(n);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      log(`network ${n}: free lock but ${recordPath(n)} names live pid ${owner}; skipping`);
      await unlock();
      continue;
    }
    const { gatewayIp } = networkAddresses(n);
    const foreign = addresses.find(
      (entry) =>
        entry.device !== bridgeName(n) && prefixesOverlap(entry.address, entry.prefixLength, gatewayIp, 24),
    );
    if (foreign !== undefined) {
      log(`network ${n}: ${foreign.device} holds ${foreign.address}/${foreign.prefixLength}; skipping`);
      await unlock();
      continue;
    }
    if (owner !== undefined) log(`network ${n}: removing what dead pid ${owner} left`);
    try {
      await removeNetworkLeftovers(tools, n, log);
      await writeFile(recordPath(n), `${process.pid}\n`, { mode: 0o644 });
    } catch (error) {
      await unlock();
      throw error;
    }
    return {
      n,
      release: async () => {
        await removeNetworkLeftovers(tools, n, log);
        await unlock();
      },
    };
  }
  throw new PodNetworkError(
    `no free pod network: each of 10.244.${networkNumbers.first}..${networkNumbers.last}.0/24 is in use (see ${stateRoot})`,
    { code: "NO_FREE_NETWORK" },
  );
}
