import { EventEmitter } from "node:events";
import type { ClientRequest } from "node:http";
import { Agent } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { HttpsProxyAgent } from "https-proxy-agent";
import { proxySetting, usesProxy } from "./proxy-setting.ts";

/** An agent that can open a connection before a request needs it. */
export interface PreconnectingAgent extends Agent {
  /**
   * Opens one more connection to `host`:`port` (default 443; through the proxy when one applies) as soon
   * as the first request's own connection is up (CONNECT answered 200, TLS done), and keeps it for the
   * next request that would open another. Waiting for the first one keeps a refusing proxy or an untrusted
   * certificate at one attempt; a spare that fails anyway is dropped and that request opens its own.
   */
  preconnect(host: string, port?: number): void;
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>["getName"]>[0];
type ProxyConnectOptions = Parameters<HttpsProxyAgent<string>["connect"]>[1];

/**
 * An `HttpsProxyAgent` whose idle tunnels are reused. agent-base names a connection's pool by
 * guessing http or https from the options; the options of Node's `free` event carry no protocol, so a
 * finished TLS connection was filed under the http name and never found again (every request opened a
 * new tunnel). Only https:// requests come here, so the name is always the https one.
 */
class KeepAliveHttpsProxyAgent extends HttpsProxyAgent<string> {
  #spare: Promise<Socket | undefined> | undefined;
  #wanted: { readonly host: string; readonly port: number } | undefined;
  #opened = 0;

  override getName(options?: ConnectOptions): string {
    return super.getName({ ...options, secureEndpoint: true } as ConnectOptions);
  }

  preconnect(host: string, port = 443): void {
    this.#wanted = { host, port };
  }

  #openSpare(): void {
    const wanted = this.#wanted;
    this.#wanted = undefined;
    if (wanted === undefined) return;
    // https-proxy-agent tells the request about the CONNECT answer; this one has no request yet.
    const request = new EventEmitter() as ClientRequest;
    let status = 0;
    request.on("proxyConnect", (connect: { statusCode: number }) => {
      status = connect.statusCode;
    });
    const options = { ...wanted, secureEndpoint: true } as ProxyConnectOptions;
    this.#spare = super.connect(request, options).then(
      (socket) => {
        // Anything but 200 comes back as a stand-in socket replaying the proxy's answer to its request.
        if (status === 200) {
          socket.on("error", ignore);
          return socket;
        }
        socket.destroy();
        return undefined;
      },
      () => undefined,
    );
  }

  override async connect(request: ClientRequest, options: ProxyConnectOptions): Promise<Socket> {
    if (this.#opened++ === 0) {
      let status = 0;
      request.once("proxyConnect", (connect: { statusCode: number }) => {
        status = connect.statusCode;
      });
      const socket = await super.connect(request, options);
      if (status === 200) socket.once("secureConnect", () => this.#openSpare());
      return socket;
    }
    const spare = await this.#spare;
    this.#spare = undefined;
    if (spare === undefined || spare.destroyed) return super.connect(request, options);
    spare.off("error", ignore);
    // What https-proxy-agent does for the sockets it hands out: reading was paused after the CONNECT answer.
    request.once("socket", (socket: Socket) => socket.resume());
    return spare;
  }
}

/** Node's https agent with a spare connection, for HSMs reached without a proxy. */
class KeepAliveHttpsAgent extends Agent {
  #spare: Duplex | undefined;
  #wanted: { readonly host: string; readonly port: number } | undefined;
  #opened = 0;

  preconnect(host: string, port = 443): void {
    this.#wanted = { host, port };
  }

  #openSpare(): void {
    const wanted = this.#wanted;
    this.#wanted = undefined;
    if (wanted === undefined) return;
    // The agent's own TLS options, as createSocket would pass them.
    const socket =
      super.createConnection({ ...this.options, ...wanted, servername: wanted.host }) ?? undefined;
    socket?.on("error", ignore);
    this.#spare = socket;
  }

  override createConnection(
    ...args: Parameters<Agent["createConnection"]>
  ): ReturnType<Agent["createConnection"]> {
    if (this.#opened++ === 0) {
      const socket = super.createConnection(...args);
      socket?.once("secureConnect", () => this.#openSpare());
      return socket;
    }
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare === undefined || spare.destroyed) return super.createConnection(...args);
    spare.off("error", ignore);
    return spare;
  }
}

function ignore(): void {}

/**
 * One kept-alive agent for all requests to one HSM host, handed to every SDK client of that host.
 * Without it each request opens its own connection: the SDK's proxy policy builds an
 * `HttpsProxyAgent` per client without keepAlive, so every request paid a CONNECT and a TLS handshake
 * (two more round trips). Through a proxy it is the agent the SDK would build (https-proxy-agent, so a
 * proxy's failures look the same to `proxyFailurePolicy`), with keepAlive. Idle sockets are unref'd by
 * Node, so they never hold the process open.
 */
export function keepAliveAgent(host: string, env: NodeJS.ProcessEnv): PreconnectingAgent {
  const proxy = proxySetting(env)?.url;
  if (proxy !== undefined && usesProxy(host, env))
    return new KeepAliveHttpsProxyAgent(proxy.href, { keepAlive: true }) as unknown as PreconnectingAgent;
  return new KeepAliveHttpsAgent({ keepAlive: true });
}
