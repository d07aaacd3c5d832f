import type { KeyObject } from "node:crypto";

/** What a signing key signs: the two SPIFFE bundle uses. */
export type KeyUse = "jwt-svid" | "x509-svid";

/** Every use, in the order the bundle lists them. */
export const keyUses: readonly KeyUse[] = ["x509-svid", "jwt-svid"];

/** Where a key is in its lifecycle (SPIRE's slots): published first, then signing, then only published. */
export type KeyState = "prepared" | "active" | "retired";

/** One opened signing key: the private half lives only in this `KeyObject`, never in a string. */
export interface SvidSigningKey {
  /** The JWT `kid`; URL-safe. */
  readonly keyId: string;
  readonly use: KeyUse;
  /** ECDSA P-256 private key. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** `x509-svid` only: the self-signed CA certificate of this key (PEM). */
  readonly caCertificatePem?: string;
  /** No SVID signed with this key outlives this instant. */
  readonly notAfter: Date;
  /**
   * The key's place in its use's order (1, 2, …: the stored resource's name), the same on every replica;
   * the bundle's `spiffe_sequence` is derived from it. Absent for a key never stored (counts as 0).
   */
  readonly sequence?: number;
}
