import { type KeyObject, X509Certificate } from "node:crypto";
import type { KeyUse } from "./signing-key.ts";

/** The public half of a key, as the bundle publishes it. */
export interface BundleKey {
  readonly keyId: string;
  readonly use: KeyUse;
  readonly publicKey: KeyObject;
  /** `x509-svid` only: the key's CA certificate (PEM). */
  readonly caCertificatePem?: string;
}

/** One entry of the bundle's `keys`: a public JWK with the SPIFFE parameters. */
export interface SpiffeBundleJwk {
  readonly kty: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly use: KeyUse;
  readonly kid?: string;
  /** `x509-svid`: exactly one certificate, standard base64 DER (RFC 7517 §4.7). */
  readonly x5c?: readonly string[];
}

/** A SPIFFE bundle: a JWK Set per the SPIFFE Trust Domain and Bundle spec §4. */
export interface SpiffeBundle {
  readonly keys: readonly SpiffeBundleJwk[];
  /** Grows whenever the set of keys changes. */
  readonly spiffe_sequence: number;
  /** Seconds a relying party should wait before fetching the bundle again. */
  readonly spiffe_refresh_hint: number;
}

/** Options of {@link spiffeBundle}. */
export interface SpiffeBundleOptions {
  readonly sequence: number;
  readonly refreshHintSeconds: number;
}

/**
 * The bundle of these keys: `x509-svid` entries carry the CA certificate in `x5c` (spec §4.2.1),
 * `jwt-svid` entries carry their `kid` (§4.2.2). Only public parameters are exported.
 */
export function spiffeBundle(keys: readonly BundleKey[], options: SpiffeBundleOptions): SpiffeBundle {
  return {
    keys: keys.map((key): SpiffeBundleJwk => {
      const { kty, crv, x, y } = key.publicKey.export({ format: "jwk" });
      const jwk = {
        kty: kty ?? "EC",
        ...(crv !== undefined && { crv }),
        ...(x !== undefined && { x }),
        ...(y !== undefined && { y }),
      };
      if (key.use === "jwt-svid") return { ...jwk, use: key.use, kid: key.keyId };
      if (key.caCertificatePem === undefined)
        throw new TypeError(`x509-svid key ${key.keyId} has no CA certificate to publish`);
      return {
        ...jwk,
        use: key.use,
        x5c: [new X509Certificate(key.caCertificatePem).raw.toString("base64")],
      };
    }),
    spiffe_sequence: options.sequence,
    spiffe_refresh_hint: options.refreshHintSeconds,
  };
}
