import { type KeyObject, randomBytes } from "node:crypto";
import type { CallOptions, HsmKey } from "../hsm/index.ts";
import { toBase64url } from "./base64url.ts";
import { contextAad, deriveContext, type KekConfig, type RecordLocation } from "./envelope-context.ts";
import { type Envelope, envelopeVersion, gcmAlg, sizes } from "./envelope-format.ts";
import { type KekClient, wrapDek } from "./kek-calls.ts";
import { gcmSeal } from "./local-gcm.ts";
import { type PublicJwk, publicJwkOf } from "./public-key.ts";

/** Options of {@link sealPrivateKey}. */
export interface SealOptions extends CallOptions {
  /** The signing key to protect (EC). */
  readonly privateKey: KeyObject;
  /** Where the record will be stored; the public key is taken from `privateKey`. */
  readonly location: Omit<RecordLocation, "publicKey">;
  /** The configured HSM and key name (the context names them). */
  readonly kekConfig: KekConfig;
  /** The KEK version to wrap with (from `getKey`: the pinned version, else the latest). */
  readonly kek: HsmKey;
  readonly hsm: KekClient;
}

/** A sealed record: the envelope and the public JWK `spec.publicKey` must hold. */
export interface SealedKey {
  readonly envelope: Envelope;
  readonly publicKey: PublicJwk;
}

/**
 * Seals a private key: a fresh 32-byte DEK encrypts its PKCS#8 DER locally (AES-256-GCM, random nonce),
 * the HSM wraps the DEK (A256GCM, service IV); both layers take JCS(context) as AAD. One HSM call.
 */
export async function sealPrivateKey(options: SealOptions): Promise<SealedKey> {
  const publicKey = publicJwkOf(options.privateKey);
  const context = deriveContext({ ...options.location, publicKey }, options.kekConfig);
  const aad = contextAad(context);
  const dek = randomBytes(sizes.dek);
  const der = options.privateKey.export({ format: "der", type: "pkcs8" });
  try {
    const local = gcmSeal(dek, der, aad);
    const wrapped = await wrapDek(options.hsm, options.kek, dek, aad, options.kekConfig, {
      ...(options.deadline !== undefined && { deadline: options.deadline }),
    });
    return {
      publicKey,
      envelope: {
        version: envelopeVersion,
        context,
        kek: wrapped.kek,
        wrappedDek: wrapped.wrappedDek,
        ciphertext: {
          alg: gcmAlg,
          iv: toBase64url(local.iv),
          tag: toBase64url(local.tag),
          value: toBase64url(local.value),
        },
      },
    };
  } finally {
    dek.fill(0);
    der.fill(0);
  }
}
