import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { IntOrString, V1Container, V1Probe } from "@kubernetes/client-node";

/** One probe attempt's verdict. */
export interface ProbeResult {
  readonly ok: boolean;
  /** Why it failed, for the Warning event (`Unhealthy`). */
  readonly message?: string;
}

/** A named port resolves through the container's `ports[].name`, as the kubelet does. */
export function probePort(
  port: IntOrString | undefined,
  container: Pick<V1Container, "ports">,
): number | undefined {
  if (typeof port === "number") return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * One probe attempt against the Pod's IP: `httpGet` (2xx/3xx passes; HTTPS without certificate checks, as
 * the kubelet's prober does) or `tcpSocket` (a connection passes). `exec` and `grpc` are not supported here
 * and fail with a message saying so.
 */
export function runProbe(
  probe: V1Probe,
  podIP: string,
  container: Pick<V1Container, "ports">,
): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const get = probe.httpGet;
    const port = probePort(get.port, container);
    if (port === undefined)
      return Promise.resolve({ ok: false, message: `port ${JSON.stringify(get.port)} not found` });
    const https = get.scheme?.toUpperCase() === "HTTPS";
    const headers: Record<string, string> = { "user-agent": "kube-probe/1.35", accept: "*/*" };
    for (const header of get.httpHeaders ?? []) headers[header.name.toLowerCase()] = header.value;
    const host = get.host || podIP;
    const path = get.path ?? "/";
    return new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        {
          host,
          port,
          path: path.startsWith("/") ? path : `/${path}`,
          method: "GET",
          headers,
          timeout: timeoutMs,
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(
            status >= 200 && status < 400
              ? { ok: true }
              : { ok: false, message: `HTTP probe failed with statuscode: ${status}` },
          );
        },
      );
      req.on("timeout", () => req.destroy(new Error(`Client.Timeout exceeded after ${timeoutMs} ms`)));
      req.on("error", (error) =>
        resolve({
          ok: false,
          message: `Get "${https ? "https" : "http"}://${host}:${port}${path}": ${error.message}`,
        }),
      );
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = probePort(probe.tcpSocket.port, container);
    if (port === undefined)
      return Promise.resolve({
        ok: false,
        message: `port ${JSON.stringify(probe.tcpSocket.port)} not found`,
      });
    const host = probe.tcpSocket.host || podIP;
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.once("connect", () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once("timeout", () => socket.destroy(new Error("timeout")));
      socket.once("error", (error) =>
        resolve({ ok: false, message: `dial tcp ${host}:${port}: ${error.message}` }),
      );
    });
  }
  return Promise.resolve({
    ok: false,
    message: "only httpGet and tcpSocket probes are supported by the local node agent",
  });
}
