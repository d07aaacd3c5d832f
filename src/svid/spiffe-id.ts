import { trustDomainPattern } from "../config/trust-domain.ts";
import { SvidError } from "./svid-error.ts";

// The SPIFFE ID spec (§2.1, §2.2): a trust domain is lowercase letters, digits, dots, dashes and
// underscores (src/config states that rule once); a path segment may add uppercase letters, and is never
// empty, "." or "..".
const segmentPattern = /^[A-Za-z0-9._-]+$/;

/** The trust domain name, checked against the SPIFFE ID spec; throws `SPIFFE_ID_INVALID`. */
export function parseTrustDomain(value: string): string {
  // The values allow empty as "not set"; a trust domain itself is never empty.
  if (value === "" || !trustDomainPattern.test(value))
    throw new SvidError(
      `trust domain: expected lowercase letters, digits, '.', '-' or '_' (at most 255), got ${JSON.stringify(value.slice(0, 80))}`,
      { code: "SPIFFE_ID_INVALID" },
    );
  return value;
}

/** `spiffe://<trust-domain>`: the SPIFFE ID of the trust domain itself (the CA's URI SAN). */
export function trustDomainId(trustDomain: string): string {
  return `spiffe://${parseTrustDomain(trustDomain)}`;
}

/** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`, the ID of a Kubernetes workload. */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  for (const [what, segment] of [
    ["namespace", namespace],
    ["service account", serviceAccount],
  ] as const) {
    if (!segmentPattern.test(segment) || segment === "." || segment === "..")
      throw new SvidError(
        `${what}: expected a SPIFFE path segment (letters, digits, '.', '-', '_'), got ${JSON.stringify(segment.slice(0, 80))}`,
        { code: "SPIFFE_ID_INVALID" },
      );
  }
  return `${trustDomainId(trustDomain)}/ns/${namespace}/sa/${serviceAccount}`;
}
