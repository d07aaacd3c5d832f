import { createServer } from "node:net";

/** Asks the kernel for an unused loopback port, so parallel runs (CI beside a developer) never collide. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string")
    throw new Error("could not read the port of a probe socket");
  return address.port;
}
