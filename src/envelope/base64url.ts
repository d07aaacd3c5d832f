import { EnvelopeError, quoted } from "./envelope-error.ts";

const alphabet = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url of `bytes`. */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * Decodes strict unpadded base64url: only the URL alphabet, no padding, and canonical (unused trailing bits
 * zero), so one byte string has exactly one spelling. `length` checks the decoded size when given.
 */
export function fromBase64url(value: unknown, field: string, length?: number): Buffer {
  if (typeof value !== "string" || !alphabet.test(value) || value.length % 4 === 1)
    throw new EnvelopeError(`${field}: expected unpadded base64url; got ${quoted(value)}`, {
      code: "ENVELOPE_MALFORMED",
      field,
    });
  const bytes = Buffer.from(value, "base64url");
  if (bytes.toString("base64url") !== value)
    throw new EnvelopeError(
      `${field}: expected canonical base64url (unused bits zero); got ${quoted(value)}`,
      {
        code: "ENVELOPE_MALFORMED",
        field,
      },
    );
  if (length !== undefined && bytes.length !== length)
    throw new EnvelopeError(`${field}: expected ${length} bytes; got ${bytes.length}`, {
      code: "ENVELOPE_MALFORMED",
      field,
    });
  return bytes;
}
