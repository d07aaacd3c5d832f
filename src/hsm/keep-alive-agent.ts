import { Agent } from "node:https";
import { HttpsProxyAgent } from "https-proxy-agent";
import { proxySetting, usesProxy } from "./proxy-setting.ts";

/**
 * An `HttpsProxyAgent` whose idle tunnels are reused. agent-base names a connection's pool by
 * guessing http or https from the options; the options of Node's `free` event carry no protocol, so a
 * finished TLS connection was filed under the http name and never found again (every request opened a
 * new tunnel). Only https:// requests come here, so the name is always the https one.
 */
type ConnectOptions = Parameters<HttpsProxyAgent<string>["getName"]>[0];

class KeepAliveHttpsProxyAgent extends HttpsProxyAgent<string> {
  override getName(options?: ConnectOptions): string {
    return super.getName({ ...options, secureEndpoint: true } as ConnectOptions);
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
export function keepAliveAgent(host: string, env: NodeJS.ProcessEnv): Agent {
  const proxy = proxySetting(env)?.url;
  if (proxy !== undefined && usesProxy(host, env))
    return new KeepAliveHttpsProxyAgent(proxy.href, { keepAlive: true }) as unknown as Agent;
  return new Agent({ keepAlive: true });
}
