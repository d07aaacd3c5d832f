import { createDecipheriv, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gcmOpen, gcmSeal } from "../../src/envelope/local-gcm.ts";

// Every buffer the decipher hands out, to check what is left in them afterwards.
const decipherPrototype = Object.getPrototypeOf(
  createDecipheriv("aes-256-gcm", randomBytes(32), randomBytes(12)),
);
afterEach(() => vi.restoreAllMocks());

function captureDecipherOutput(): Buffer[] {
  const outputs: Buffer[] = [];
  const update = decipherPrototype.update as (...args: unknown[]) => Buffer;
  vi.spyOn(decipherPrototype, "update").mockImplementation(function (this: unknown, ...args: unknown[]) {
    const out = update.apply(this, args);
    outputs.push(out);
    return out;
  });
  return outputs;
}

describe("the local AES-256-GCM layer", () => {
  const key = randomBytes(32);
  const aad = Buffer.from('{"name":"jwt-svid-1"}');
  const plaintext = randomBytes(138);

  it("opens what it sealed, with a fresh 12-byte nonce each time", () => {
    const a = gcmSeal(key, plaintext, aad);
    const b = gcmSeal(key, plaintext, aad);
    expect(a.iv).toHaveLength(12);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(gcmOpen(key, a, aad).equals(plaintext)).toBe(true);
  });

  it("on a tag failure returns nothing and zeroes the partial plaintext it decrypted", () => {
    const sealed = gcmSeal(key, plaintext, aad);
    const outputs = captureDecipherOutput();
    expect(() => gcmOpen(key, sealed, Buffer.from('{"name":"jwt-svid-2"}'))).toThrow(
      expect.objectContaining({ code: "ENVELOPE_AUTH_FAILED", layer: "ciphertext" }),
    );
    expect(outputs).toHaveLength(1);
    expect(outputs[0]?.length).toBe(plaintext.length);
    expect(outputs[0]?.every((byte) => byte === 0)).toBe(true);
  });

  it("zeroes its intermediate buffer after a successful open too (the caller owns the result)", () => {
    const sealed = gcmSeal(key, plaintext, aad);
    const outputs = captureDecipherOutput();
    const opened = gcmOpen(key, sealed, aad);
    expect(opened.equals(plaintext)).toBe(true);
    expect(outputs[0]?.every((byte) => byte === 0)).toBe(true);
  });
});
