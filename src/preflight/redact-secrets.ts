import { userInfoPattern } from "../schema/index.ts";

// Last line of defence for anything the preflight prints: classified messages are built from known
// parts, but some quote service text, which must never carry a token.

const patterns: readonly [RegExp, string][] = [
  // JWTs: access tokens and service-account (federated) tokens.
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, "[redacted-token]"],
  [/\b(Bearer|PoP)\s+[A-Za-z0-9._~+/=-]{16,}/gi, "$1 [redacted-token]"],
  [/(client_assertion|access_token|refresh_token|client_secret)=[^&\s]+/gi, "$1=[redacted]"],
  // Crypto fields of a Key Vault request or response body, should one ever be quoted.
  [/("(?:value|aad|iv|tag|k|plaintext|ciphertext)"\s*:\s*")[^"]*"/g, '$1[redacted]"'],
  // URL user info may hold a password.
  [new RegExp(userInfoPattern, "g"), "://***@"],
];

/** The text with tokens, assertions and URL passwords replaced. */
export function redactSecrets(text: string): string {
  return patterns.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
}

/**
 * One line: newlines folded, other control characters escaped (`\x1b`: a message may quote input, such
 * as an environment variable, and must not drive the terminal), trimmed to `max` characters, secrets
 * redacted.
 */
export function oneLine(text: string, max = 300): string {
  const folded = redactSecrets(text)
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/\p{Cc}/gu, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .trim();
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}
