import canonicalize from "canonicalize";
import { EnvelopeError, quoted } from "./envelope-error.ts";
import { contextKeys, type EnvelopeContext } from "./envelope-format.ts";
import { hsmHost, kekNameOf } from "./kek-identity.ts";
import { type PublicJwk, publicKeySha256 } from "./public-key.ts";

/** Where a record was found and what it claims to be: everything its context is derived from. */
export interface RecordLocation {
  /** The trust domain of the server that owns the record (its configuration, not the record). */
  readonly trustDomain: string;
  /** The Kubernetes namespace the record was read from. */
  readonly namespace: string;
  /** The resource name the record was read from. */
  readonly name: string;
  /** `spec.keyId`. */
  readonly keyId: string;
  /** `spec.use`. */
  readonly use: string;
  /** `spec.publicKey`. */
  readonly publicKey: PublicJwk;
}

/** The configured KEK: the HSM and key name the configuration names (`--url`, `--key-name`). */
export interface KekConfig {
  /** `https://<hsm-name>.managedhsm.azure.net/`, as configured. */
  readonly url: string;
  /** The Managed HSM key name. */
  readonly name: string;
}

/** The context a record at `location` must carry, for the configured KEK. */
export function deriveContext(location: RecordLocation, kek: KekConfig): EnvelopeContext {
  return {
    trustDomain: location.trustDomain,
    keyId: location.keyId,
    use: location.use,
    publicKeySha256: publicKeySha256(location.publicKey),
    namespace: location.namespace,
    name: location.name,
    hsm: hsmHost(kek.url, "kek url"),
    kekName: kekNameOf(kek.name),
  };
}

/** The AAD of both layers: the RFC 8785 (JCS) canonical JSON of the context, UTF-8. */
export function contextAad(context: EnvelopeContext): Buffer {
  return Buffer.from(canonicalize(context) ?? "", "utf8");
}

/**
 * Refuses a stored context that differs in any key or value from the derived one, naming the first
 * difference (a record copied to another resource, trust domain or HSM lands here).
 */
export function checkContext(stored: unknown, derived: EnvelopeContext): void {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored))
    throw new EnvelopeError(`envelope.context: expected an object of strings; got ${quoted(stored)}`, {
      code: "ENVELOPE_MALFORMED",
      field: "envelope.context",
    });
  const record = stored as Record<string, unknown>;
  const keys = [...new Set([...contextKeys, ...Object.keys(record), ...Object.keys(derived)])];
  for (const key of keys) {
    // Own keys only: a stored `constructor` or `toString` must not be found on Object.prototype.
    const got = Object.hasOwn(record, key) ? record[key] : undefined;
    const expected = Object.hasOwn(derived, key) ? derived[key] : undefined;
    if (got === expected) continue;
    const field = `envelope.context.${key}`;
    throw new EnvelopeError(
      expected === undefined
        ? `${field}: expected no such key; got ${quoted(got)}`
        : `${field}: expected ${quoted(expected)} (where the record was found); got ${quoted(got)}`,
      { code: "ENVELOPE_CONTEXT_MISMATCH", field },
    );
  }
}
