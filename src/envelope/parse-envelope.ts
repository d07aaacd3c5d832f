import { fromBase64url } from "./base64url.ts";
import type { KekConfig } from "./envelope-context.ts";
import { EnvelopeError, quoted } from "./envelope-error.ts";
import { envelopeVersion, gcmAlg, kekProvider, sizes } from "./envelope-format.ts";
import { hsmHost, kekNameOf } from "./kek-identity.ts";

/** One GCM layer with its binary fields decoded. */
export interface ParsedLayer {
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly value: Buffer;
}

/** An envelope whose shape, version, algorithms and provider have been checked. */
export interface ParsedEnvelope {
  /** The stored context, unchecked against the location (see `checkContext`). */
  readonly context: unknown;
  readonly kek: { readonly url: string; readonly name: string; readonly version: string };
  readonly wrappedDek: ParsedLayer;
  readonly ciphertext: ParsedLayer;
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EnvelopeError(`${field}: expected an object; got ${quoted(value)}`, {
      code: "ENVELOPE_MALFORMED",
      field,
    });
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, field: string, pattern: RegExp): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw new EnvelopeError(`${field}: expected a string matching ${pattern.source}; got ${quoted(value)}`, {
      code: "ENVELOPE_MALFORMED",
      field,
    });
  return value;
}

function layer(value: unknown, field: string, valueLength?: number): ParsedLayer {
  const object = objectAt(value, field);
  if (object.alg !== gcmAlg)
    throw new EnvelopeError(`${field}.alg: expected "${gcmAlg}"; got ${quoted(object.alg)}`, {
      code: "ENVELOPE_ALG_UNKNOWN",
      field: `${field}.alg`,
    });
  return {
    iv: fromBase64url(object.iv, `${field}.iv`, sizes.iv),
    tag: fromBase64url(object.tag, `${field}.tag`, sizes.tag),
    value: fromBase64url(object.value, `${field}.value`, valueLength),
  };
}

/**
 * Checks everything that needs no key, in the order that gives the most useful refusal: version, then
 * provider/HSM/KEK name against the configuration (PROVIDER_MISMATCH names both sides; another KEK
 * version is normal), then the algorithms and the binary fields.
 */
export function parseEnvelope(value: unknown, configured: KekConfig): ParsedEnvelope {
  const envelope = objectAt(value, "envelope");
  if (envelope.version !== envelopeVersion)
    throw new EnvelopeError(
      `envelope.version: expected ${envelopeVersion}; got ${quoted(envelope.version)} (written by a newer release?)`,
      { code: "ENVELOPE_VERSION_UNKNOWN", field: "envelope.version" },
    );
  const kek = objectAt(envelope.kek, "envelope.kek");
  const mismatch = (field: string, recorded: unknown, configuredText: string) =>
    new EnvelopeError(
      `envelope.kek.${field}: the record is wrapped by ${quoted(recorded)}, the configuration names ${quoted(configuredText)}; switching key-wrapping providers is not supported`,
      { code: "PROVIDER_MISMATCH", field: `envelope.kek.${field}` },
    );
  if (kek.provider !== kekProvider) throw mismatch("provider", kek.provider, kekProvider);
  const url = stringAt(kek.url, "envelope.kek.url", /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/$/);
  const recordedHost = hsmHost(url, "envelope.kek.url");
  const configuredHost = hsmHost(configured.url, "kek url");
  if (recordedHost !== configuredHost) throw mismatch("url", recordedHost, configuredHost);
  const name = stringAt(kek.name, "envelope.kek.name", /^[0-9A-Za-z-]{1,127}$/);
  if (kekNameOf(name) !== kekNameOf(configured.name)) throw mismatch("name", name, configured.name);
  const version = stringAt(kek.version, "envelope.kek.version", /^[0-9A-Za-z]{1,64}$/);
  return {
    context: envelope.context,
    kek: { url, name, version },
    wrappedDek: layer(envelope.wrappedDek, "envelope.wrappedDek", sizes.dek),
    ciphertext: layer(envelope.ciphertext, "envelope.ciphertext"),
  };
}
