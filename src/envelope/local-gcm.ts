import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { EnvelopeError } from "./envelope-error.ts";
import { sizes } from "./envelope-format.ts";

/** A local AES-256-GCM result. */
export interface GcmSealed {
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly value: Buffer;
}

/** AES-256-GCM with a random 12-byte nonce (a fresh DEK per record, so nonce reuse cannot happen). */
export function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  const iv = randomBytes(sizes.iv);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: sizes.tag });
  cipher.setAAD(aad);
  const value = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), value };
}

/**
 * Opens the `ciphertext` layer. The caller owns (and must zero) the result; on a tag failure the partial
 * output is zeroed here and nothing is returned.
 */
export function gcmOpen(key: Uint8Array, sealed: GcmSealed, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv, { authTagLength: sizes.tag });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  const head = decipher.update(sealed.value);
  try {
    const tail = decipher.final();
    const plaintext = Buffer.concat([head, tail]);
    tail.fill(0);
    return plaintext;
  } catch (error) {
    throw new EnvelopeError(
      "envelope.ciphertext: the AES-256-GCM tag does not verify under the unwrapped DEK and the context",
      { code: "ENVELOPE_AUTH_FAILED", field: "envelope.ciphertext", layer: "ciphertext", cause: error },
    );
  } finally {
    head.fill(0);
  }
}
