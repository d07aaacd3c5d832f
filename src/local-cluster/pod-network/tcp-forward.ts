import { connect, createServer, type Server, type Socket } from "node:net";

/** A listening TCP forward; `close()` stops it and cuts every connection it carries. */
export interface TcpForward {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `listenHost:<free port>` and pipes each connection to `target`. Pods reach host services
 * (the API server on 127.0.0.1, the emulator's proxy) this way, since loopback is not theirs.
 */
export async function openTcpForward(
  listenHost: string,
  target: { readonly host: string; readonly port: number },
  log: (line: string) => void,
): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect({ host: target.host, port: target.port });
    track(upstream);
    // Either side failing ends both: a half-open pipe would hang the Pod's client until its own timeout.
    const fail = (side: string) => (error: Error) => {
      log(`forward to ${target.host}:${target.port}: ${side}: ${error.message}`);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", fail("client"));
    upstream.on("error", fail("upstream"));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: listenHost, port: 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("forward has no TCP address");
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
