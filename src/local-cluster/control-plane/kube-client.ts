import { request } from "node:https";

/** TLS material a client needs to talk to the local API server. */
export interface KubeCredentials {
  /** Base URL, e.g. `https://127.0.0.1:41234`. */
  readonly server: string;
  /** PEM of the cluster CA. */
  readonly ca: string;
  /** PEM client certificate; omit to call anonymously. */
  readonly cert?: string;
  /** PEM key of `cert`. */
  readonly key?: string;
}

/** What the API server answered. */
export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  readonly body: unknown;
}

/** The few REST calls the tests make, without pulling in a Kubernetes client library. */
export interface KubeClient {
  request(method: string, path: string, body?: unknown): Promise<KubeResponse>;
  /** Like `request`, but throws with the server's message unless the status is 2xx. */
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

export function kubeClient(credentials: KubeCredentials): KubeClient {
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<KubeResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, credentials.server),
        {
          method,
          ca: credentials.ca,
          ...(credentials.cert === undefined ? {} : { cert: credentials.cert, key: credentials.key }),
          headers: {
            // The issuer's JWKS endpoint offers only application/jwk-set+json and answers 406 to a JSON-only client.
            accept: "application/json, application/jwk-set+json",
            ...(payload === undefined ? {} : { "content-type": "application/json" }),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON (e.g. /readyz answers "ok"); keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 30s`)));
      req.on("error", reject);
      req.end(payload);
    });
  return {
    request: call,
    async json<T>(method: string, path: string, body?: unknown) {
      const res = await call(method, path, body);
      if (res.status < 200 || res.status > 299) {
        const message = (res.body as { message?: string } | undefined)?.message ?? JSON.stringify(res.body);
        throw new Error(`${method} ${path}: HTTP ${res.status}: ${message}`);
      }
      return res.body as T;
    },
  };
}
