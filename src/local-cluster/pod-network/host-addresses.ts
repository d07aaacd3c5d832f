import type { HostTools } from "./host-tools.ts";
import { runHostCommand } from "./host-tools.ts";

/** One IPv4 address the host holds, with its prefix length and device. */
export interface HostAddress {
  readonly device: string;
  readonly address: string;
  readonly prefixLength: number;
}

/** Every IPv4 address on the host, from `ip -o -4 addr show`. */
export async function hostAddresses(tools: HostTools): Promise<HostAddress[]> {
  const out = await runHostCommand(tools.ip, ["-o", "-4", "addr", "show"]);
  const found: HostAddress[] = [];
  for (const line of out.split("\n")) {
    // "3: eth0    inet 10.0.0.2/24 brd 10.0.0.255 scope global eth0\       valid_lft …"
    const match = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined)
      found.push({ device: match[1], address: match[2], prefixLength: Number(match[3]) });
  }
  return found;
}

const toNumber = (ip: string): number => ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);

/** True when two IPv4 prefixes share any address: the shorter one contains the other's start. */
export function prefixesOverlap(a: string, aLength: number, b: string, bLength: number): boolean {
  const length = Math.min(aLength, bLength);
  if (length === 0) return true;
  const shift = 32 - length;
  return Math.floor(toNumber(a) / 2 ** shift) === Math.floor(toNumber(b) / 2 ** shift);
}
