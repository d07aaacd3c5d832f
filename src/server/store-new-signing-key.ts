import { createPublicKey } from "node:crypto";
import type { CreatedKey, SigningKeyStore } from "../keystore/index.ts";
import { createCaCertificate, type KeyUse } from "../svid/index.ts";

/** Options of {@link storeNewSigningKey}. */
export interface StoreNewSigningKeyOptions {
  readonly store: Pick<SigningKeyStore, "createKey">;
  readonly trustDomain: string;
  readonly use: KeyUse;
  /** The newest SigningKey of this use (its name), if any: the new one is the next in sequence. */
  readonly follows?: string | undefined;
  readonly notBefore: Date;
  readonly lifetimeSeconds: number;
}

/**
 * A new P-256 key (for x509-svid with its self-signed CA certificate), sealed and stored as `prepared`
 * before it is returned; its HSM call is the one `encrypt` of its DEK. Racing writers get one key.
 */
export function storeNewSigningKey(options: StoreNewSigningKeyOptions): Promise<CreatedKey> {
  const { notBefore } = options;
  const notAfter = new Date(notBefore.getTime() + options.lifetimeSeconds * 1000);
  return options.store.createKey({
    use: options.use,
    ...(options.follows !== undefined && { follows: options.follows }),
    notBefore,
    notAfter,
    certify: ({ privateKey }) =>
      createCaCertificate({
        trustDomain: options.trustDomain,
        privateKey,
        publicKey: createPublicKey(privateKey),
        notBefore,
        notAfter,
      }),
  });
}
