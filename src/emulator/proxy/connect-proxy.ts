import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";

/** Options for {@link createConnectProxy}. */
export interface ConnectProxyOptions {
  /** Hosts (without port) whose CONNECT tunnels are accepted; everything else gets 403. */
  readonly allowHost: (host: string) => boolean;
  /** Takes an accepted tunnel's socket; the TLS server terminates it. */
  readonly onTunnel: (socket: Socket) => void;
}

/**
 * An HTTP CONNECT proxy that never dials out: a tunnel to an emulated host on port 443 is handed to
 * the emulator's own TLS server, and every other CONNECT or plain proxy request is refused with 403.
 */
export function createConnectProxy(options: ConnectProxyOptions): Server {
  const server = createServer((request, response) => {
    // Plain-HTTP proxying (e.g. the IMDS probe of ManagedIdentityCredential) would mean dialling out.
    response.writeHead(403, { "content-type": "text/plain", connection: "close" });
    response.end(
      `emulator proxy: only CONNECT to emulated hosts is served, not ${request.method} ${request.url}\n`,
    );
  });
  server.on("connect", (request, socket: Socket, head: Buffer) => {
    const target = /^([a-z0-9.-]+):(\d+)$/i.exec(request.url ?? "");
    const host = target?.[1]?.toLowerCase();
    if (host === undefined || target?.[2] !== "443" || !options.allowHost(host)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    options.onTunnel(socket);
  });
  return server;
}
