import { createPrivateKey, type KeyObject } from "node:crypto";
import type { CallOptions } from "../hsm/index.ts";
import {
  checkContext,
  contextAad,
  deriveContext,
  type KekConfig,
  type RecordLocation,
} from "./envelope-context.ts";
import { EnvelopeError } from "./envelope-error.ts";
import { type KekClient, unwrapDek } from "./kek-calls.ts";
import { gcmOpen } from "./local-gcm.ts";
import { type ParsedEnvelope, parseEnvelope } from "./parse-envelope.ts";
import { publicJwkOf } from "./public-key.ts";

/** Options of {@link openEnvelope}. */
export interface OpenOptions extends CallOptions {
  /** `spec.envelope` as read (unchecked). */
  readonly envelope: unknown;
  /** Where the record was found and the spec fields the context binds. */
  readonly location: RecordLocation;
  /** The configured HSM and key name. */
  readonly kekConfig: KekConfig;
  readonly hsm: KekClient;
}

/**
 * Opens an envelope, or refuses with one {@link EnvelopeError} and no plaintext: version, provider,
 * algorithms and fields first, then the context against the location (before any HSM call), then the
 * HSM unwraps the DEK (one decrypt, with the recorded KEK version), the private key is decrypted locally
 * and its public key compared with `spec.publicKey`. DEK and DER buffers are zeroed.
 */
export async function openEnvelope(options: OpenOptions): Promise<KeyObject> {
  const parsed = parseEnvelope(options.envelope, options.kekConfig);
  const aad = checkedAad(parsed, options);
  const dek = await unwrapDek(options.hsm, parsed, aad, {
    ...(options.deadline !== undefined && { deadline: options.deadline }),
  });
  try {
    return decryptPrivateKey(dek, parsed, aad, options.location);
  } finally {
    dek.fill(0);
  }
}

/** The AAD of a parsed envelope once its stored context matches the location's. */
export function checkedAad(parsed: ParsedEnvelope, options: Pick<OpenOptions, "location" | "kekConfig">) {
  const derived = deriveContext(options.location, options.kekConfig);
  checkContext(parsed.context, derived);
  return contextAad(derived);
}

/** The local layer: decrypt the PKCS#8 DER with the DEK and check it against `spec.publicKey`. */
export function decryptPrivateKey(
  dek: Uint8Array,
  parsed: ParsedEnvelope,
  aad: Uint8Array,
  location: RecordLocation,
): KeyObject {
  const der = gcmOpen(dek, parsed.ciphertext, aad);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch (error) {
    throw new EnvelopeError("envelope.ciphertext: the decrypted bytes are not a PKCS#8 private key", {
      code: "ENVELOPE_MALFORMED",
      field: "envelope.ciphertext",
      cause: error,
    });
  } finally {
    der.fill(0);
  }
  const actual = publicJwkOf(privateKey);
  const expected = location.publicKey;
  if (
    actual.kty !== expected.kty ||
    actual.crv !== expected.crv ||
    actual.x !== expected.x ||
    actual.y !== expected.y
  )
    throw new EnvelopeError(
      `spec.publicKey: the decrypted private key's public key (${actual.crv}) differs from spec.publicKey (${expected.crv})`,
      { code: "ENVELOPE_PUBLIC_KEY_MISMATCH", field: "spec.publicKey" },
    );
  return privateKey;
}
