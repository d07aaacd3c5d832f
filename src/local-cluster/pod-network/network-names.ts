// Every name the pod network gives a host object, derived from the network number N, so a later run can
// find and remove what a dead owner left behind without any other record.

/** Host folder with one owner record per network number, and each network's data folder. */
export const stateRoot = "/run/spirl-local-cluster";

/** Network numbers are 1..250, so 10.244.<N>.0/24 stays inside 10.244.0.0/16 and clear of .251–.255. */
export const networkNumbers = { first: 1, last: 250 } as const;

/** The Linux bridge of network N (15 characters at most, as IFNAMSIZ requires). */
export const bridgeName = (n: number): string => `spirlbr${n}`;

/** Owner record of network N: the owner's pid. */
export const recordPath = (n: number): string => `${stateRoot}/${n}`;

/** Data folder of network N: `ns/` holds persisted mount and UTS namespaces, `pods/` each sandbox's folder. */
export const dataDir = (n: number): string => `${stateRoot}/${n}.d`;

/** Prefix of the network namespaces of network N: `spirl<N>-<short pod uid>`. */
export const netnsPrefix = (n: number): string => `spirl${n}-`;

/** Host end of the veth pair of Pod address k in network N, e.g. `spirl250v254` (12 characters). */
export const hostVethName = (n: number, k: number): string => `spirl${n}v${k}`;

/** True for a host veth name of network N. */
export const isHostVethOf = (n: number, name: string): boolean => new RegExp(`^spirl${n}v\\d+$`).test(name);

/** The kernel-held lock of network N: an abstract unix socket, released when its owner dies. */
export const lockSocketPath = (n: number): string => `\0spirl-local-cluster/${n}`;

/** Addresses of network N. */
export function networkAddresses(n: number): {
  gatewayIp: string;
  cidr: string;
  podIp: (k: number) => string;
} {
  return { gatewayIp: `10.244.${n}.1`, cidr: `10.244.${n}.0/24`, podIp: (k) => `10.244.${n}.${k}` };
}
