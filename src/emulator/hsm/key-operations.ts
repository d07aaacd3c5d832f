import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import type { FaultKind } from "../faults/fault-plan.ts";
import type { KeyVersion } from "./key-store.ts";
import { badParameter } from "./service-error.ts";

/** The four key operations the data plane serves, by their URL segment. */
export type CryptoOperation = "encrypt" | "decrypt" | "wrapKey" | "unwrapKey";

/** Decoded request fields of a key operation (`alg`, `value`, `iv`, `aad`, `tag`). */
export interface OperationInput {
  readonly alg: string;
  readonly value: Buffer;
  readonly iv?: Buffer;
  readonly aad?: Buffer;
  readonly tag?: Buffer;
}

/** What an operation produced; `iv` only for GCM and CBC encryption, `tag` only for GCM encryption. */
export interface OperationOutput {
  readonly value: Buffer;
  readonly iv?: Buffer;
  readonly tag?: Buffer;
}

const gcmBits: Record<string, number> = { A128GCM: 128, A192GCM: 192, A256GCM: 256 };
const cbcBits: Record<string, number> = {
  A128CBC: 128,
  A192CBC: 192,
  A256CBC: 256,
  A128CBCPAD: 128,
  A192CBCPAD: 192,
  A256CBCPAD: 256,
};
const keyWrapBits: Record<string, number> = { A128KW: 128, A192KW: 192, A256KW: 256 };
const rsaOaepHash: Record<string, string> = { "RSA-OAEP": "sha1", "RSA-OAEP-256": "sha256" };
/** RFC 3394 default initial value. */
const keyWrapIv = Buffer.from("A6A6A6A6A6A6A6A6", "hex");

const noFaults: ReadonlySet<FaultKind> = new Set();

/**
 * Runs one key operation with real cryptography, refusing algorithms the key cannot serve. `faults`
 * (default none) are the request's faults; the crypto-path kinds among them make the result wrong.
 */
export function runKeyOperation(
  operation: CryptoOperation,
  key: KeyVersion,
  input: OperationInput,
  faults: ReadonlySet<FaultKind> = noFaults,
): OperationOutput {
  return tamper(operation, faults, operate(operation, key, input, faults.has("ignore-aad")));
}

function operate(
  operation: CryptoOperation,
  key: KeyVersion,
  input: OperationInput,
  ignoreAad: boolean,
): OperationOutput {
  const gcm = gcmBits[input.alg];
  if (gcm !== undefined && (operation === "encrypt" || operation === "decrypt"))
    return aesGcm(operation, requireAes(key, input.alg, gcm), input, ignoreAad);
  const cbc = cbcBits[input.alg];
  if (cbc !== undefined && (operation === "encrypt" || operation === "decrypt"))
    return aesCbc(operation, requireAes(key, input.alg, cbc), input);
  const kw = keyWrapBits[input.alg];
  if (kw !== undefined && (operation === "wrapKey" || operation === "unwrapKey"))
    return aesKeyWrap(operation, requireAes(key, input.alg, kw), input.value);
  const hash = rsaOaepHash[input.alg];
  if (hash !== undefined && key.kty === "RSA-HSM" && key.privateKey !== undefined) {
    const options = { key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash };
    if (operation === "encrypt" || operation === "wrapKey")
      return { value: publicEncrypt({ ...options, key: createPublicKey(key.privateKey) }, input.value) };
    return { value: decryptOrFail(() => privateDecrypt(options, input.value)) };
  }
  throw badParameter(`Algorithm ${input.alg} is not supported for ${operation} with a ${key.kty} key`);
}

function requireAes(key: KeyVersion, alg: string, bits: number): Buffer {
  if (key.kty !== "oct-HSM" || key.secret === undefined)
    throw badParameter(`Algorithm ${alg} is not supported with a ${key.kty} key; it needs an oct-HSM key`);
  if (key.keySize !== bits)
    throw badParameter(`Algorithm ${alg} needs a ${bits}-bit key, but the key is ${key.keySize} bits`);
  return key.secret;
}

/** What the plaintext and IV faults do to a correct result. */
function tamper(
  operation: CryptoOperation,
  faults: ReadonlySet<FaultKind>,
  output: OperationOutput,
): OperationOutput {
  let { value, iv } = output;
  if (operation === "decrypt" || operation === "unwrapKey") {
    if (faults.has("corrupt-plaintext") && value.length > 0) {
      value = Buffer.from(value);
      value[0] = (value[0] ?? 0) ^ 0x80;
    }
    if (faults.has("truncate-plaintext")) value = value.subarray(0, Math.max(0, value.length - 1));
  }
  if (operation === "encrypt" && faults.has("short-iv") && iv !== undefined) iv = iv.subarray(0, 8);
  return { ...output, value, ...(iv !== undefined && { iv }) };
}

function aesGcm(
  operation: "encrypt" | "decrypt",
  secret: Buffer,
  input: OperationInput,
  ignoreAad: boolean,
): OperationOutput {
  const cipherName = `aes-${secret.length * 8}-gcm` as "aes-256-gcm";
  if (operation === "encrypt") {
    // The service generates the IV; a client IV is ignored (the SDK never sends one for GCM).
    const iv = randomBytes(12);
    const cipher = createCipheriv(cipherName, secret, iv, { authTagLength: 16 });
    if (input.aad !== undefined) cipher.setAAD(input.aad);
    const value = Buffer.concat([cipher.update(input.value), cipher.final()]);
    return { value, iv, tag: cipher.getAuthTag() };
  }
  const iv = gcmIv(input.iv);
  if (input.tag?.length !== 16) throw badParameter("The tag must be 16 bytes for AES-GCM decryption");
  const decipher = createDecipheriv(cipherName, secret, iv, { authTagLength: 16 });
  decipher.setAuthTag(input.tag);
  if (input.aad !== undefined) decipher.setAAD(input.aad);
  // GCM is CTR underneath: update() yields the plaintext, and only final() checks the tag (and so the AAD).
  if (ignoreAad) return { value: decipher.update(input.value) };
  return { value: decryptOrFail(() => Buffer.concat([decipher.update(input.value), decipher.final()])) };
}

/** 12 bytes; a 16-byte IV ending in four zero bytes (2021-era responses) is truncated, as the service accepts it. */
function gcmIv(iv: Buffer | undefined): Buffer {
  if (iv?.length === 12) return iv;
  if (iv?.length === 16 && iv.readUInt32BE(12) === 0) return iv.subarray(0, 12);
  throw badParameter("The iv must be 12 bytes for AES-GCM decryption");
}

/**
 * AES-CBC, PKCS#7-padded for the `…PAD` algorithms. Encrypt echoes the caller's IV (wire spec §2.3) or,
 * as the service does when the SDK sends none, makes one.
 */
function aesCbc(operation: "encrypt" | "decrypt", secret: Buffer, input: OperationInput): OperationOutput {
  const pad = input.alg.endsWith("PAD");
  const iv = input.iv ?? (operation === "encrypt" ? randomBytes(16) : undefined);
  if (iv?.length !== 16) throw badParameter(`The iv must be 16 bytes for ${input.alg}`);
  if (!pad && input.value.length % 16 !== 0)
    throw badParameter(`${input.alg} needs a multiple of 16 bytes; use ${input.alg}PAD for other lengths`);
  const cipherName = `aes-${secret.length * 8}-cbc`;
  const run = (cipher: ReturnType<typeof createCipheriv> | ReturnType<typeof createDecipheriv>) =>
    Buffer.concat([cipher.setAutoPadding(pad).update(input.value), cipher.final()]);
  if (operation === "encrypt") return { value: run(createCipheriv(cipherName, secret, iv)), iv };
  return { value: decryptOrFail(() => run(createDecipheriv(cipherName, secret, iv))) };
}

function aesKeyWrap(operation: "wrapKey" | "unwrapKey", secret: Buffer, value: Buffer): OperationOutput {
  const cipherName = `id-aes${secret.length * 8}-wrap`;
  if (operation === "wrapKey") {
    if (value.length < 16 || value.length % 8 !== 0)
      throw badParameter("The key to wrap must be a multiple of 8 bytes and at least 16 bytes");
    const cipher = createCipheriv(cipherName, secret, keyWrapIv);
    return { value: Buffer.concat([cipher.update(value), cipher.final()]) };
  }
  const decipher = createDecipheriv(cipherName, secret, keyWrapIv);
  return { value: decryptOrFail(() => Buffer.concat([decipher.update(value), decipher.final()])) };
}

function decryptOrFail(run: () => Buffer): Buffer {
  try {
    return run();
  } catch {
    throw badParameter("Decryption failed: the ciphertext, iv, tag or aad does not authenticate");
  }
}
