import type { IncomingMessage } from "node:http";

/** Largest request body accepted; Key Vault caps requests well below this. */
const maxBodyBytes = 1_048_576;

/** Reads a whole request or response body; rejects bodies over 1 MiB and connections closed mid-body. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new RangeError(`request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
