import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Clock } from "../clock.ts";
import { connectOperations, type Fault, type FaultPlan, proxyFaultKinds } from "../faults/fault-plan.ts";
import { holdForLatency } from "../faults/hold-for-latency.ts";
import type { RequestLog } from "../request-log.ts";

/** Options for {@link createConnectProxy}. */
export interface ConnectProxyOptions {
  /** Hosts (without port) whose CONNECT tunnels are accepted; everything else gets 403. */
  readonly allowHost: (host: string) => boolean;
  /** Takes an accepted tunnel's socket; the TLS server terminates it. */
  readonly onTunnel: (socket: Socket) => void;
  /**
   * The proxy faults (`proxy-*` kinds, operations `connect-hsm` and `connect-entra`), the `latency` fault (one round trip
   * for the CONNECT answer, one for the TLS handshake), and where a faulted CONNECT is logged, so a test can prove the fault
   * fired. Default: no faults.
   */
  readonly faults?: { readonly plan: FaultPlan; readonly log: RequestLog; readonly clock: Clock };
}

const hsmHostPattern = /^([a-z0-9-]+)\.managedhsm\.azure\.net$/;

/** What a faulted proxy answers a CONNECT; `undefined` answers nothing at all. */
const faultAnswers: Readonly<Record<string, { status: number; head: string } | undefined>> = {
  "proxy-forbidden": { status: 403, head: "403 Forbidden" },
  "proxy-auth-required": {
    status: 407,
    head: '407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"',
  },
  "proxy-bad-gateway": { status: 502, head: "502 Bad Gateway" },
};

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
    if (head.length > 0) socket.unshift(head);
    answerConnect(options.faults, host, socket).then(
      (open) => open && options.onTunnel(socket),
      () => socket.destroy(),
    );
  });
  return server;
}

const established = "HTTP/1.1 200 Connection Established\r\n\r\n";

/**
 * Answers an accepted CONNECT; true when the tunnel is open for TLS. A CONNECT that draws faults is
 * logged: the first proxy fault answers instead of the tunnel; latency delays the answer by one
 * round trip and the TLS handshake by another (the client's hello waits unread in the socket).
 */
async function answerConnect(
  faults: ConnectProxyOptions["faults"],
  host: string,
  socket: Socket,
): Promise<boolean> {
  const hsm = hsmHostPattern.exec(host)?.[1];
  const operation = hsm === undefined ? connectOperations.entra : connectOperations.hsm;
  const drawn: Fault[] = faults?.plan.take(operation, hsm) ?? [];
  if (faults === undefined || drawn.length === 0) {
    socket.write(established);
    return true;
  }
  const fault = drawn.find((candidate) => proxyFaultKinds.has(candidate.kind));
  const answer = fault === undefined ? undefined : faultAnswers[fault.kind];
  const logged = faults.log.record({
    time: new Date(faults.clock.now()).toISOString(),
    host,
    method: "CONNECT",
    path: `${host}:443`,
    operation,
    ...(hsm !== undefined && { hsm }),
    // 0 until answered, as for a reset; a hung CONNECT never is.
    status: 0,
  });
  if (!(await holdForLatency(drawn, socket))) return false;
  if (fault !== undefined) {
    // A hung CONNECT holds the socket until the client gives up or the emulator closes.
    if (answer !== undefined) {
      logged.status = answer.status;
      logged.answered = new Date(faults.clock.now()).toISOString();
      socket.end(`HTTP/1.1 ${answer.head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    return false;
  }
  logged.status = 200;
  logged.answered = new Date(faults.clock.now()).toISOString();
  socket.write(established);
  return holdForLatency(drawn, socket);
}
