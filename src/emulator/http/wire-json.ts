/**
 * JSON with object keys sorted at every level: Managed HSM responses list keys alphabetically
 * (`{"aad","alg","iv","kid","tag","value"}`), and the emulator is held against real captures.
 */
export function wireJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner) && !Buffer.isBuffer(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Base64url without padding, the encoding of every binary field on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Decodes base64url (padding tolerated); `undefined` when the text is not base64url at all. */
export function fromBase64Url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, "base64url");
}
