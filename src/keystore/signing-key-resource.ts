import type { Envelope, PublicJwk } from "../envelope/index.ts";
import type { KeyState, KeyUse } from "../svid/index.ts";

/** The CRD's coordinates (charts/spirl-system/crds/signingkeys.keywrap.spirl.dev.yaml). */
export const signingKeyCrd = {
  group: "keywrap.spirl.dev",
  version: "v1alpha1",
  plural: "signingkeys",
  kind: "SigningKey",
} as const;

/** Labels the store sets, so a list can select one use (informational: {@link sequenceOf} reads the name). */
export const labels = {
  use: "keywrap.spirl.dev/use",
  sequence: "keywrap.spirl.dev/sequence",
} as const;

// What a key is for and where it is in its lifecycle are SPIFFE notions: src/svid states them once (it
// imports nothing of ours but src/errors, so this adds no cycle).
export type { KeyState, KeyUse } from "../svid/index.ts";

/** `spec` of a `SigningKey`. */
export interface SigningKeySpec {
  readonly keyId: string;
  readonly use: KeyUse;
  readonly algorithm: "ES256" | "ES384";
  readonly publicKey: PublicJwk;
  /** RFC 3339. */
  readonly notBefore: string;
  /** RFC 3339. */
  readonly notAfter: string;
  /** PEM; x509-svid only. */
  readonly caCertificate?: string;
  readonly envelope: Envelope;
}

/** A `SigningKey` as the API server returns it (only the fields the store reads). */
export interface SigningKeyResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly resourceVersion: string;
    readonly creationTimestamp?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: SigningKeySpec;
  readonly status?: { readonly state?: KeyState };
}

/** A stored record as the store hands it out. */
export interface SigningKeyRecord {
  readonly name: string;
  readonly namespace: string;
  /** The version this copy was read at: the precondition of the next update. */
  readonly resourceVersion: string;
  readonly createdAt: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `status.state`; a record created but not yet given a state is `prepared`. */
  readonly state: KeyState;
  readonly spec: SigningKeySpec;
}

/** The store's view of a resource. */
export function recordOf(resource: SigningKeyResource): SigningKeyRecord {
  return {
    name: resource.metadata.name,
    namespace: resource.metadata.namespace,
    resourceVersion: resource.metadata.resourceVersion,
    createdAt: resource.metadata.creationTimestamp,
    labels: resource.metadata.labels ?? {},
    annotations: resource.metadata.annotations ?? {},
    state: resource.status?.state ?? "prepared",
    spec: resource.spec,
  };
}

/** `<use>-<sequence>`: the deterministic name that makes racing creators collide on purpose. */
export function keyName(use: KeyUse, sequence: number): string {
  return `${use}-${sequence}`;
}

/**
 * The sequence number of a name made by {@link keyName}, or undefined: the one rule for a key's place in
 * its use's order. It reads the name, which the API server never lets change, not the sequence label,
 * which anyone allowed to edit the resource can rewrite.
 */
export function sequenceOf(name: string, use: KeyUse): number | undefined {
  const match = new RegExp(`^${use}-([1-9][0-9]{0,8})$`).exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** A record's place in its use's order, by its name (0: not a name the store makes); never by a label. */
export function recordSequence(record: Pick<SigningKeyRecord, "name" | "spec">): number {
  return sequenceOf(record.name, record.spec.use) ?? 0;
}
