import { type HostTools, runHostCommand, tryHostCommand } from "./host-tools.ts";

/** Where one Pod's network namespace plugs into the bridge. */
export interface SandboxLink {
  readonly netns: string;
  readonly hostVeth: string;
  readonly bridge: string;
  readonly ip: string;
  readonly gatewayIp: string;
}

/**
 * Creates the Pod's network namespace and a veth pair: the host end on the bridge, `eth0` inside with
 * `<ip>/24`, a default route via the gateway, and `lo` up (servers listening on 127.0.0.1 in the Pod
 * need it). Undoes what it made when a step fails.
 */
export async function createSandboxLink(
  tools: HostTools,
  link: SandboxLink,
  log: (line: string) => void,
): Promise<void> {
  try {
    await runHostCommand(tools.ip, ["-batch", "-"], {
      input: [
        `netns add ${link.netns}`,
        `link add ${link.hostVeth} type veth peer name eth0 netns ${link.netns}`,
        `link set ${link.hostVeth} master ${link.bridge} up`,
        "",
      ].join("\n"),
    });
    await runHostCommand(tools.ip, ["-n", link.netns, "-batch", "-"], {
      input: [
        "link set lo up",
        `addr add ${link.ip}/24 dev eth0`,
        "link set eth0 up",
        `route add default via ${link.gatewayIp}`,
        "",
      ].join("\n"),
    });
  } catch (error) {
    await removeSandboxLink(tools, link, log);
    throw error;
  }
}

/**
 * Deletes the host veth (its peer goes with it) and the namespace. The veth is deleted explicitly because
 * the kernel tears a deleted namespace's devices down asynchronously, and a caller checking `ip link`
 * right after must not see it.
 */
export async function removeSandboxLink(
  tools: HostTools,
  link: SandboxLink,
  log: (line: string) => void,
): Promise<void> {
  await tryHostCommand(tools.ip, ["link", "delete", link.hostVeth], log);
  await tryHostCommand(tools.ip, ["netns", "delete", link.netns], log);
}
