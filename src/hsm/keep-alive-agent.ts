import { EventEmitter } from "node:events";
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { Agent } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { HttpsProxyAgent } from "https-proxy-agent";
import { proxySetting, usesProxy } from "./proxy-setting.ts";

/**
 * An https agent that can dial one spare connection beside the next one it opens, so that two calls can
 * later be in flight together without the second paying its own connection (a CONNECT and a TLS
 * handshake: two round trips) when it starts.
 */
export interface SpareConnectionAgent extends Agent {
  /**
   * The next connection this agent opens gets a twin, dialled at the same moment with the same options
   * and handed to the first request after it that needs a new connection. An unclaimed spare is closed
   * after {@link spareIdleMs}; while unclaimed it never holds the process open.
   */
  addSpareConnection(): void;
}

/** How long an unclaimed spare stays open: long enough for a preflight, short of an HSM's idle timeout. */
export const spareIdleMs = 10_000;

/**
 * Parks a spare until a request claims it: an error it meets meanwhile is not left unheard (which would
 * crash the process), it does not keep the process alive, and it is closed after {@link spareIdleMs}.
 * Returns the claim: the live connection, ref'd and with the parking listener gone, or undefined.
 */
function park<S extends Duplex>(socket: S): () => S | undefined {
  socket.on("error", ignore);
  (socket as { unref?: () => void }).unref?.();
  const timer = setTimeout(() => socket.destroy(), spareIdleMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  return () => {
    clearTimeout(timer);
    if (socket.destroyed) return undefined;
    socket.off("error", ignore);
    (socket as { ref?: () => void }).ref?.();
    return socket;
  };
}

function ignore(): void {}

type ConnectOptions = Parameters<HttpsProxyAgent<string>["connect"]>[1];

/** A proxied spare: `ready` once its tunnel and TLS are up (the claim), `destroy` closes it unclaimed. */
interface ProxiedSpare {
  readonly name: string;
  ready: (() => Socket | undefined) | undefined;
  destroy: () => void;
}

/**
 * An `HttpsProxyAgent` whose idle tunnels are reused and which can dial a spare tunnel. agent-base names
 * a connection's pool by guessing http or https from the options; the options of Node's `free` event
 * carry no protocol, so a finished TLS connection was filed under the http name and never found again
 * (every request opened a new tunnel). Only https:// requests come here, so the name is always the https one.
 */
class KeepAliveHttpsProxyAgent extends HttpsProxyAgent<string> implements SpareConnectionAgent {
  #spareWanted = false;
  #spare: ProxiedSpare | undefined;

  override getName(options?: ConnectOptions): string {
    return super.getName({ ...options, secureEndpoint: true } as ConnectOptions);
  }

  addSpareConnection(): void {
    this.#spareWanted = this.#spare === undefined;
  }

  override async connect(req: ClientRequest, options: ConnectOptions): Promise<Socket> {
    const name = this.getName(options);
    const spare = this.#spare;
    // Only a spare that is ready: one whose CONNECT is still unanswered may never be, and a request must
    // not wait on it (it dials its own; the spare stays parked).
    if (spare?.name === name && spare.ready !== undefined) {
      this.#spare = undefined;
      const socket = spare.ready?.();
      if (socket !== undefined) {
        // What HttpsProxyAgent does for the request it tunnels: the tunnel is paused until a request owns it.
        req.once("socket", (owned: Duplex) => owned.resume());
        return socket;
      }
    } else if (spare === undefined && this.#spareWanted) {
      this.#spareWanted = false;
      const dialled: ProxiedSpare = { name, ready: undefined, destroy: () => undefined };
      this.#spare = dialled;
      void this.#dialAlone({ ...options }).then((socket) => {
        if (socket === undefined) {
          if (this.#spare === dialled) this.#spare = undefined;
          return;
        }
        dialled.ready = park(socket);
        dialled.destroy = () => socket.destroy();
      });
    }
    return super.connect(req, options);
  }

  override destroy(): void {
    this.#spare?.destroy();
    this.#spare = undefined;
    super.destroy();
  }

  /**
   * A tunnel for no request yet: HttpsProxyAgent tells its request about the proxy's answer by events,
   * so a stand-in request hears them. Anything but 200 is the proxy refusing: no spare then (the request
   * that would have claimed it dials its own and meets the refusal the usual way).
   */
  async #dialAlone(options: ConnectOptions): Promise<Socket | undefined> {
    const standIn = new EventEmitter();
    let status: number | undefined;
    standIn.once("proxyConnect", (answer: IncomingMessage) => {
      status = answer.statusCode;
    });
    const socket = await super.connect(standIn as ClientRequest, options).catch(() => undefined);
    if (socket === undefined || status === 200) return socket;
    socket.destroy();
    return undefined;
  }
}

/** Node's https agent with keepAlive and a spare connection (no proxy in the way). */
class KeepAliveAgent extends Agent implements SpareConnectionAgent {
  #spareWanted = false;
  #spare:
    | { readonly name: string; readonly claim: () => Duplex | undefined; readonly destroy: () => void }
    | undefined;

  addSpareConnection(): void {
    this.#spareWanted = this.#spare === undefined;
  }

  // Node's Agent calls createConnection(options, callback); a socket still connecting is fine to return.
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    const create = super.createConnection as (options: RequestOptions, callback?: unknown) => Duplex;
    const name = (this as unknown as { getName(options: RequestOptions): string }).getName(options);
    const spare = this.#spare;
    if (spare?.name === name) {
      this.#spare = undefined;
      const socket = spare.claim();
      if (socket !== undefined) return socket;
    } else if (this.#spareWanted) {
      this.#spareWanted = false;
      const socket = create.call(this, { ...options });
      this.#spare = { name, claim: park(socket), destroy: () => socket.destroy() };
    }
    return create.call(this, options, callback);
  }

  override destroy(): void {
    this.#spare?.destroy();
    this.#spare = undefined;
    super.destroy();
  }
}

/**
 * One kept-alive agent for all requests to one HSM host, handed to every SDK client of that host.
 * Without it each request opens its own connection: the SDK's proxy policy builds an
 * `HttpsProxyAgent` per client without keepAlive, so every request paid a CONNECT and a TLS handshake
 * (two more round trips). Through a proxy it is the agent the SDK would build (https-proxy-agent, so a
 * proxy's failures look the same to `proxyFailurePolicy`), with keepAlive. Idle sockets are unref'd by
 * Node, so they never hold the process open.
 */
export function keepAliveAgent(host: string, env: NodeJS.ProcessEnv): SpareConnectionAgent {
  const proxy = proxySetting(env)?.url;
  if (proxy !== undefined && usesProxy(host, env))
    return new KeepAliveHttpsProxyAgent(proxy.href, { keepAlive: true }) as unknown as SpareConnectionAgent;
  return new KeepAliveAgent({ keepAlive: true });
}
