// The envelope format reimplemented from issue 9's text alone: node:crypto, the `canonicalize` package for
// RFC 8785, and raw HTTPS to the HSM. It imports nothing from src/ (a test checks that), so it can show
// that what the code writes is what the text describes, and the other way round.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import canonicalize from "canonicalize";
import type { TestEmulator } from "../helpers/emulator.ts";

const b64u = (text: string) => Buffer.from(text, "base64url");

export async function hsmCall(emulator: TestEmulator, path: string, body: Record<string, string>) {
  const response = await emulator.raw({
    host: "localhsm.managedhsm.azure.net",
    method: "POST",
    path: `${path}?api-version=7.6`,
    headers: { authorization: `Bearer ${await emulator.accessToken()}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${response.text}`);
  return response.json as Record<string, string>;
}

export function spkiSha256(jwk: Record<string, string>): string {
  const der = createPublicKey({ key: { ...jwk }, format: "jwk" }).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64url");
}

/** Opens `spec.envelope` exactly as the issue describes it; throws on anything it does not describe. */
export async function independentOpen(
  emulator: TestEmulator,
  // biome-ignore lint/suspicious/noExplicitAny: read as untyped JSON, as another tool would
  envelope: Record<string, any>,
  publicKey: Record<string, string>,
): Promise<KeyObject> {
  if (envelope.version !== 1 || envelope.kek.provider !== "azure-managed-hsm")
    throw new Error("not version 1");
  if (envelope.wrappedDek.alg !== "A256GCM" || envelope.ciphertext.alg !== "A256GCM") throw new Error("alg");
  if (envelope.context.publicKeySha256 !== spkiSha256(publicKey)) throw new Error("publicKeySha256");
  const aad = Buffer.from(canonicalize(envelope.context) as string, "utf8");
  const kekPath = `/keys/${envelope.kek.name}/${envelope.kek.version}`;
  const unwrapped = await hsmCall(emulator, `${kekPath}/decrypt`, {
    alg: "A256GCM",
    value: envelope.wrappedDek.value,
    iv: envelope.wrappedDek.iv,
    tag: envelope.wrappedDek.tag,
    aad: aad.toString("base64url"),
  });
  const dek = b64u(unwrapped.value as string);
  const decipher = createDecipheriv("aes-256-gcm", dek, b64u(envelope.ciphertext.iv));
  decipher.setAAD(aad);
  decipher.setAuthTag(b64u(envelope.ciphertext.tag));
  const der = Buffer.concat([decipher.update(b64u(envelope.ciphertext.value)), decipher.final()]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

/** Writes an envelope exactly as the issue describes it, sealing `sealed` under `publicKey`'s context. */
export async function independentSeal(
  emulator: TestEmulator,
  kek: { readonly name: string; readonly version: string },
  sealed: KeyObject,
  publicKey: Record<string, string>,
  name: string,
) {
  const context = {
    trustDomain: "example.org",
    keyId: `kid-${name}`,
    use: "jwt-svid",
    publicKeySha256: spkiSha256(publicKey),
    namespace: "spirl",
    name,
    hsm: "localhsm.managedhsm.azure.net",
    kekName: kek.name,
  };
  const aad = Buffer.from(canonicalize(context) as string, "utf8");
  const dek = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", dek, iv);
  cipher.setAAD(aad);
  const value = Buffer.concat([
    cipher.update(sealed.export({ type: "pkcs8", format: "der" })),
    cipher.final(),
  ]);
  const wrapped = await hsmCall(emulator, `/keys/${kek.name}/${kek.version}/encrypt`, {
    alg: "A256GCM",
    value: dek.toString("base64url"),
    aad: aad.toString("base64url"),
  });
  const envelope = {
    version: 1,
    context,
    kek: {
      provider: "azure-managed-hsm",
      url: "https://localhsm.managedhsm.azure.net/",
      name: kek.name,
      version: (wrapped.kid as string).split("/").pop(),
    },
    wrappedDek: { alg: "A256GCM", iv: wrapped.iv, tag: wrapped.tag, value: wrapped.value },
    ciphertext: {
      alg: "A256GCM",
      iv: iv.toString("base64url"),
      tag: cipher.getAuthTag().toString("base64url"),
      value: value.toString("base64url"),
    },
  };
  const location = {
    trustDomain: "example.org",
    namespace: "spirl",
    name,
    keyId: `kid-${name}`,
    use: "jwt-svid",
  };
  return { envelope, location: { ...location, publicKey: publicKey as never } };
}

/** The public JWK (kty, crv, x, y) of a key. */
export const jwkOf = (key: KeyObject) => {
  const { kty, crv, x, y } = createPublicKey(key).export({ format: "jwk" }) as Record<string, string>;
  return { kty, crv, x, y } as Record<string, string>;
};
