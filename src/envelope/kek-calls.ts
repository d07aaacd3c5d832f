import { printable } from "../errors/index.ts";
import {
  type CallOptions,
  errorChain,
  errorCodeOf,
  type HsmKey,
  isHsmClientError,
  type ManagedHsmKeyClient,
  parseKeyId,
  statusCodeOf,
} from "../hsm/index.ts";
import { toBase64url } from "./base64url.ts";
import type { KekConfig } from "./envelope-context.ts";
import { EnvelopeError, quoted } from "./envelope-error.ts";
import { gcmAlg, type KekRef, kekProvider, type SealedField, sizes } from "./envelope-format.ts";
import { hsmHost, kekNameOf } from "./kek-identity.ts";
import type { ParsedEnvelope } from "./parse-envelope.ts";

/** The two HSM operations an envelope needs; a {@link ManagedHsmKeyClient} is one. */
export type KekClient = Pick<ManagedHsmKeyClient, "encrypt" | "decrypt">;

/** The versioned key id of the KEK an envelope records. */
export function kidOf(kek: {
  readonly url: string;
  readonly name: string;
  readonly version: string;
}): string {
  return `https://${hsmHost(kek.url, "envelope.kek.url")}/keys/${kek.name}/${kek.version}`;
}

function hsmFailed(operation: string, kid: string, error: unknown, field: string): EnvelopeError {
  const service = serviceFailureOf(error);
  const what = [
    isHsmClientError(error) ? error.code : undefined,
    service?.status,
    service?.code === undefined ? undefined : printable(service.code).slice(0, 64),
  ]
    .filter((part) => part !== undefined)
    .join(" ");
  return new EnvelopeError(`${field}: the HSM ${operation} with ${kid} failed (${what || "error"})`, {
    code: "ENVELOPE_HSM_FAILED",
    field,
    cause: error,
  });
}

// Managed HSM answers a GCM decrypt whose tag does not verify with 400 `BadParameter` (see
// ../shared/reference/azure-mhsm-wire.md). The request's sizes are checked before it is sent, so that is
// the one 400 that means tampering; any other 400 is the service refusing the request for another reason.
const tagFailureCode = "BadParameter";

/** The HTTP status and service error code of the first link in `error`'s chain that has a status. */
function serviceFailureOf(error: unknown): { status: number; code: string | undefined } | undefined {
  for (const link of errorChain(error)) {
    const status = statusCodeOf(link);
    if (status !== undefined) return { status, code: errorCodeOf(link) };
  }
  return undefined;
}

/**
 * Asks the HSM to A256GCM-decrypt the DEK with the recorded KEK version and the context as AAD. A 400
 * `BadParameter` (the tag does not verify) is `ENVELOPE_AUTH_FAILED` on the `wrappedDek` layer; other
 * failures are `ENVELOPE_HSM_FAILED`, with the service's status and code in the message.
 * The caller owns (and must zero) the returned 32 bytes.
 */
export async function unwrapDek(
  hsm: KekClient,
  parsed: ParsedEnvelope,
  aad: Uint8Array,
  options: CallOptions = {},
): Promise<Buffer> {
  const kid = kidOf(parsed.kek);
  let dek: Uint8Array;
  try {
    dek = await hsm.decrypt(
      { kid, ciphertext: parsed.wrappedDek.value, iv: parsed.wrappedDek.iv, tag: parsed.wrappedDek.tag },
      { ...options, aad },
    );
  } catch (error) {
    const failure = serviceFailureOf(error);
    if (failure?.status === 400 && failure.code === tagFailureCode)
      throw new EnvelopeError(
        `envelope.wrappedDek: the HSM refused to decrypt it with ${kid} (400 ${tagFailureCode}: the tag does not verify under that key and the context)`,
        { code: "ENVELOPE_AUTH_FAILED", field: "envelope.wrappedDek", layer: "wrappedDek", cause: error },
      );
    throw hsmFailed("decrypt", kid, error, "envelope.wrappedDek");
  }
  const copy = Buffer.from(dek);
  dek.fill(0);
  if (copy.length !== sizes.dek) {
    copy.fill(0);
    throw new EnvelopeError(
      `envelope.wrappedDek: the HSM decrypted it to ${copy.length} bytes; expected ${sizes.dek}`,
      { code: "ENVELOPE_HSM_RESPONSE_INVALID", field: "envelope.wrappedDek" },
    );
  }
  return copy;
}

/**
 * Asks the HSM to A256GCM-encrypt the DEK with exactly `key` (a versioned key) and the context as AAD, and
 * records the KEK from the `kid` the HSM answered with, after checking it names the configured HSM and key.
 */
export async function wrapDek(
  hsm: KekClient,
  key: HsmKey,
  dek: Uint8Array,
  aad: Uint8Array,
  configured: KekConfig,
  options: CallOptions = {},
): Promise<{ kek: KekRef; wrappedDek: SealedField }> {
  let sealed: Awaited<ReturnType<KekClient["encrypt"]>>;
  try {
    sealed = await hsm.encrypt(key, dek, { ...options, aad });
  } catch (error) {
    throw hsmFailed("encrypt", key.id, error, "envelope.wrappedDek");
  }
  const kid = parseKeyId(sealed.kid);
  const invalid = (what: string) =>
    new EnvelopeError(`envelope.wrappedDek: the HSM's encrypt answer ${what}`, {
      code: "ENVELOPE_HSM_RESPONSE_INVALID",
      field: "envelope.wrappedDek",
    });
  const host = hsmHost(configured.url, "kek url");
  // The exact version asked for: a record on another version than the target would never count as
  // rewrapped, and a seal must record the version that really wrapped its DEK.
  if (
    kid === undefined ||
    kid.host !== host ||
    kekNameOf(kid.name) !== kekNameOf(configured.name) ||
    kid.version !== key.version
  )
    throw invalid(
      `names key ${quoted(sealed.kid)}; expected https://${host}/keys/${configured.name}/${key.version}`,
    );
  if (
    sealed.iv.length !== sizes.iv ||
    sealed.tag.length !== sizes.tag ||
    sealed.ciphertext.length !== sizes.dek
  )
    throw invalid(
      `has a ${sealed.iv.length}-byte IV, ${sealed.tag.length}-byte tag and ${sealed.ciphertext.length}-byte value; expected ${sizes.iv}, ${sizes.tag} and ${sizes.dek}`,
    );
  return {
    kek: { provider: kekProvider, url: `https://${host}/`, name: kid.name, version: kid.version },
    wrappedDek: {
      alg: gcmAlg,
      iv: toBase64url(sealed.iv),
      tag: toBase64url(sealed.tag),
      value: toBase64url(sealed.ciphertext),
    },
  };
}
