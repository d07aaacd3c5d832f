// The wire format of an envelope (issue 9): the contract other tools open envelopes by.

/** The one format version this code writes and reads. */
export const envelopeVersion = 1;
/** The only KEK provider: Azure Key Vault Managed HSM. */
export const kekProvider = "azure-managed-hsm";
/** The algorithm of both layers. */
export const gcmAlg = "A256GCM";
/** Byte lengths fixed by the format. */
export const sizes = { dek: 32, iv: 12, tag: 16 } as const;

/** A flat object of strings naming where a record belongs; its JCS form is the AAD of both layers. */
export type EnvelopeContext = Readonly<Record<string, string>>;

/** The KEK version the DEK is wrapped with now. */
export interface KekRef {
  readonly provider: typeof kekProvider;
  /** `https://<hsm-host>/`. */
  readonly url: string;
  /** The Managed HSM key name. */
  readonly name: string;
  /** The key version the HSM's `encrypt` used (from the `kid` it returned). */
  readonly version: string;
}

/** One AES-256-GCM result; every binary value is unpadded base64url. */
export interface SealedField {
  readonly alg: typeof gcmAlg;
  readonly iv: string;
  readonly tag: string;
  readonly value: string;
}

/** `spec.envelope` of a `SigningKey`. */
export interface Envelope {
  readonly version: typeof envelopeVersion;
  readonly context: EnvelopeContext;
  readonly kek: KekRef;
  /** The DEK as the HSM's A256GCM `encrypt` returned it (service IV), AAD = JCS(context). */
  readonly wrappedDek: SealedField;
  /** PKCS#8 DER of the private key, local AES-256-GCM under the DEK (random 12-byte IV), AAD = JCS(context). */
  readonly ciphertext: SealedField;
}

/** The context keys every version-1 envelope carries, in documentation order. */
export const contextKeys = [
  "trustDomain",
  "keyId",
  "use",
  "publicKeySha256",
  "namespace",
  "name",
  "hsm",
  "kekName",
] as const;
