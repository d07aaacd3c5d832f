import type { KeyObject, webcrypto } from "node:crypto";
import { SvidError } from "./svid-error.ts";

export const es256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

// @peculiar/x509 signs through WebCrypto; the CryptoKey shares the KeyObject's native key (no copy in
// JavaScript memory) and is made once per key, not once per certificate.
const cryptoKeys = new WeakMap<KeyObject, webcrypto.CryptoKey>();

/** The WebCrypto view of a P-256 key (non-extractable when private); throws `KEY_UNSUPPORTED` otherwise. */
export function signingCryptoKey(key: KeyObject): webcrypto.CryptoKey {
  const cached = cryptoKeys.get(key);
  if (cached !== undefined) return cached;
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new SvidError(
      `signing key: expected an EC P-256 key, got ${key.asymmetricKeyType ?? key.type} ${key.asymmetricKeyDetails?.namedCurve ?? ""}`.trim(),
      { code: "KEY_UNSUPPORTED" },
    );
  const cryptoKey =
    key.type === "private"
      ? key.toCryptoKey(es256, false, ["sign"])
      : key.toCryptoKey(es256, true, ["verify"]);
  cryptoKeys.set(key, cryptoKey);
  return cryptoKey;
}
