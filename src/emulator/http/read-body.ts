import type { IncomingMessage } from "node:http";
import { EmulatorError, isEmulatorError } from "../errors.ts";

/** Largest request body accepted; Key Vault caps requests well below this. */
export const maxBodyBytes = 1_048_576;

/**
 * Reads a whole request body; a body over 1 MiB (by `content-length`, before reading, or as it streams)
 * throws `BODY_TOO_LARGE` (see {@link isBodyTooLarge}), a connection closed mid-body rejects.
 */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxBodyBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** True for the error {@link readBody} throws on an oversized body: the caller answers 413, not 500. */
export const isBodyTooLarge = (error: unknown): boolean =>
  isEmulatorError(error) && error.code === "BODY_TOO_LARGE";

const tooLarge = () =>
  new EmulatorError(`request body over ${maxBodyBytes} bytes`, { code: "BODY_TOO_LARGE" });
