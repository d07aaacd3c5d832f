import { randomBytes } from "node:crypto";

/** A positive 128-bit serial number in hex (RFC 5280 §4.1.2.2: unique, at most 20 octets, positive). */
export function randomSerialNumber(): string {
  const serial = randomBytes(16);
  // Clear the top bit so the INTEGER stays positive without a padding byte; keep it non-zero.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  return serial.toString("hex");
}
