import type { V1Pod } from "@kubernetes/client-node";

/** Linux's limit, which the kubelet applies to a Pod's hostname. */
const hostnameMaxLength = 63;

/**
 * The hostname the kubelet gives a Pod's containers: `spec.hostname` when set (the API server has checked
 * it is an RFC 1123 label), else the Pod's name, cut to 63 characters with trailing "-" and "." removed
 * (kubelet's GeneratePodHostNameAndDomain and truncatePodHostnameIfNeeded); dots stay, as there.
 */
export function podHostname(pod: V1Pod): string {
  const hostname = pod.spec?.hostname || pod.metadata?.name || "";
  if (hostname.length <= hostnameMaxLength) return hostname;
  return hostname.slice(0, hostnameMaxLength).replace(/[-.]+$/, "");
}
