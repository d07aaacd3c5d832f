import { rmSync, writeFileSync } from "node:fs";
import { type HostTools, runHostCommand } from "./host-tools.ts";
import { PodNetworkError } from "./pod-network-error.ts";

/** An RFC 1123 label, as Kubernetes' IsDNS1123Label checks it: what the kubelet accepts as a Pod hostname. */
/** A Pod name as the API server allows it (an RFC 1123 subdomain), which the kubelet uses as the hostname. */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws `HOSTNAME_INVALID` unless `hostname` is an RFC 1123 label of at most 63 characters. */
export function checkHostname(hostname: unknown): asserts hostname is string {
  if (typeof hostname === "string" && hostname.length <= 63 && dns1123Subdomain.test(hostname)) return;
  const got = typeof hostname === "string" ? JSON.stringify(hostname.slice(0, 80)) : typeof hostname;
  throw new PodNetworkError(
    `sandbox hostname: expected an RFC 1123 name (a-z, 0-9, "-" and ".", at most 63, each part starting and ending with a letter or digit), got ${got}`,
    { code: "HOSTNAME_INVALID" },
  );
}

/**
 * Makes a UTS namespace whose hostname is `hostname` and pins it at `nsFile`, for `nsenter --uts=nsFile`,
 * so `os.hostname()` in the Pod returns its name as under a real kubelet (the server's Lease holder
 * identity). The hostname is set once here, by `hostname` run inside the new namespace, rather than by a
 * shell in front of the workload, for the same reason as the mount namespace: the Pod's environment must
 * arrive untouched. `hostname` is checked first, so it is never read as an option.
 */
export async function prepareUtsNamespace(tools: HostTools, nsFile: string, hostname: string): Promise<void> {
  checkHostname(hostname);
  writeFileSync(nsFile, "", { mode: 0o600 });
  try {
    await runHostCommand(tools.unshare, [`--uts=${nsFile}`, tools.hostname, hostname]);
  } catch (error) {
    await releaseUtsNamespace(tools, nsFile);
    throw new PodNetworkError(
      `preparing the Pod's UTS namespace failed: ${error instanceof Error ? error.message : String(error)}`,
      { code: "UTS_SETUP_FAILED", cause: error },
    );
  }
}

/** Unpins a namespace made by {@link prepareUtsNamespace}; it lives on while a process is in it. */
export async function releaseUtsNamespace(tools: HostTools, nsFile: string): Promise<void> {
  // Not pinned when unshare failed before its bind mount: that umount's failure is expected and ignored.
  await runHostCommand(tools.umount, [nsFile]).catch(() => {});
  rmSync(nsFile, { force: true });
}
