import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** SHA-256 over each file's path and contents: what a validate snapshot's stamp pins (validate-snapshot.ts). */
export function sourceHash(inputs: readonly string[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(`${input}\0`).update(readFileSync(input)).update("\0");
  return hash.digest("hex");
}
