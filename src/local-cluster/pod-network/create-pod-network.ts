import { mkdir } from "node:fs/promises";
import { claimNetworkNumber } from "./claim-network-number.ts";
import { hostTools, runHostCommand } from "./host-tools.ts";
import { bridgeName, dataDir, hostVethName, netnsPrefix, networkAddresses } from "./network-names.ts";
import { PodNetworkError } from "./pod-network-error.ts";
import { openPodSandbox, type PodSandbox, type SandboxOptions } from "./pod-sandbox.ts";
import { openTcpForward, type TcpForward } from "./tcp-forward.ts";
import { checkHostname } from "./uts-namespace.ts";

/** One local cluster's Pod network: a bridge with the host as gateway, and the Pods on it. */
export interface PodNetwork {
  /** The bridge, e.g. "spirlbr7". */
  readonly bridge: string;
  /** The host's address on the bridge, e.g. "10.244.7.1". */
  readonly gatewayIp: string;
  /** The Pod subnet, e.g. "10.244.7.0/24". */
  readonly cidr: string;
  /** Listens on gatewayIp:<free port> and pipes each connection to target; returns the port. */
  forward(target: { readonly host: string; readonly port: number }): Promise<number>;
  /**
   * A network namespace on the bridge with the next free address, and a host folder; with
   * `options.hostname`, also a UTS namespace of that name (`HOSTNAME_INVALID` unless an RFC 1123 label).
   */
  createSandbox(podUid: string, options?: SandboxOptions): Promise<PodSandbox>;
  /** Kills every process, removes every sandbox, the forwards, the bridge. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link createPodNetwork}. */
export interface CreatePodNetworkOptions {
  /** Receives one line per notable host change or cleanup failure. Default: discarded. */
  readonly logger?: (line: string) => void;
}

/** Pod addresses .2 to .254; .1 is the gateway. */
const podAddressRange = { first: 2, last: 254 } as const;

/** Up to 8 lowercase letters and digits of the Pod uid, for a readable namespace name. */
function shortUid(podUid: string): string {
  return (
    podUid
      .toLowerCase()
      .replaceAll(/[^a-z0-9]/g, "")
      .slice(0, 8) || "pod"
  );
}

/**
 * Claims a free network number N, creates bridge `spirlbr<N>` with `10.244.<N>.1/24` and the data
 * folder `/run/spirl-local-cluster/<N>.d` (bind-mounted onto itself, private, so mount namespaces can be
 * pinned there). Needs root. Whatever a dead owner of N left is removed first.
 */
export async function createPodNetwork(options: CreatePodNetworkOptions = {}): Promise<PodNetwork> {
  const log = options.logger ?? (() => {});
  const tools = hostTools();
  const claim = await claimNetworkNumber(tools, log);
  const { n } = claim;
  const bridge = bridgeName(n);
  const { gatewayIp, cidr, podIp } = networkAddresses(n);
  const data = dataDir(n);
  try {
    await runHostCommand(tools.ip, ["-batch", "-"], {
      input: `link add ${bridge} type bridge\naddr add ${gatewayIp}/24 dev ${bridge}\nlink set ${bridge} up\n`,
    });
    await mkdir(data, { mode: 0o700 });
    await runHostCommand(tools.mount, ["--bind", data, data]);
    await runHostCommand(tools.mount, ["--make-private", data]);
    await mkdir(`${data}/ns`, { mode: 0o700 });
    await mkdir(`${data}/pods`, { mode: 0o700 });
  } catch (error) {
    await claim.release();
    throw error;
  }
  log(`pod network ${cidr} on ${bridge}`);

  const sandboxes = new Set<PodSandbox>();
  const usedAddresses = new Set<number>();
  const netnsNames = new Set<string>();
  const forwards = new Set<TcpForward>();
  let closing: Promise<void> | undefined;
  const checkOpen = () => {
    if (closing !== undefined)
      throw new PodNetworkError(`pod network ${bridge} is closed`, { code: "CLOSED" });
  };

  const createSandbox = async (podUid: string, options: SandboxOptions = {}): Promise<PodSandbox> => {
    checkOpen();
    const { hostname } = options;
    if (hostname !== undefined) checkHostname(hostname);
    let k: number = podAddressRange.first;
    while (usedAddresses.has(k)) k++;
    if (k > podAddressRange.last)
      throw new PodNetworkError(`pod network ${cidr} has no free address`, { code: "NO_FREE_ADDRESS" });
    const base = `${netnsPrefix(n)}${shortUid(podUid)}`;
    const netns = netnsNames.has(base) ? `${base}-${k}` : base;
    usedAddresses.add(k);
    netnsNames.add(netns);
    const free = () => {
      usedAddresses.delete(k);
      netnsNames.delete(netns);
    };
    try {
      const link = { netns, hostVeth: hostVethName(n, k), bridge, ip: podIp(k), gatewayIp };
      const sandbox = await openPodSandbox({
        tools,
        link,
        dataDir: data,
        log,
        hostname,
        onDestroyed: () => {
          sandboxes.delete(sandbox);
          free();
        },
      });
      sandboxes.add(sandbox);
      return sandbox;
    } catch (error) {
      free();
      throw error;
    }
  };

  const forward = async (target: { readonly host: string; readonly port: number }): Promise<number> => {
    checkOpen();
    const opened = await openTcpForward(gatewayIp, target, log);
    forwards.add(opened);
    return opened.port;
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const sandbox of [...sandboxes]) await sandbox.destroy();
      await Promise.all([...forwards].map((opened) => opened.close()));
      // Removes the bridge, the data folder and the record, then drops the lock.
      await claim.release();
      log(`pod network ${cidr} removed`);
    })();
    return closing;
  };

  return { bridge, gatewayIp, cidr, forward, createSandbox, close };
}
