// Starts the server over in-memory keys with a scripted token reviewer, and calls it like a workload.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  type SvidServer,
  type SvidServerOptions,
  startSvidServer,
  type TokenReviewer,
} from "../../src/server/index.ts";
import { MemorySigningKeySet, type SigningKeySet } from "../../src/svid/index.ts";
import { signingKeys, trustDomain } from "../svid/fixtures.ts";

/** Tokens the scripted reviewer knows: token → username. */
export const knownTokens: Readonly<Record<string, string>> = {
  "token-payments-api": "system:serviceaccount:payments:api",
  "token-a-user": "alice@example.org",
};

/** A reviewer that accepts {@link knownTokens} and counts its calls. */
export function scriptedReviewer(): TokenReviewer & { calls: number } {
  const reviewer = {
    calls: 0,
    async review(token: string) {
      reviewer.calls++;
      const username = knownTokens[token];
      return username === undefined ? { authenticated: false } : { authenticated: true, username };
    },
  };
  return reviewer;
}

/** Records every property read on the key set: what the request path asked of it. */
export function watchedKeySet(keys: SigningKeySet): { keys: SigningKeySet; asked: string[] } {
  const asked: string[] = [];
  const watched = new Proxy(keys, {
    get(target, property) {
      asked.push(String(property));
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { keys: watched, asked };
}

/** A server on 127.0.0.1 over plain HTTP with one active key per use. */
export async function startTestServer(
  overrides: Partial<SvidServerOptions> = {},
): Promise<{ server: SvidServer; keys: MemorySigningKeySet; reviewer: ReturnType<typeof scriptedReviewer> }> {
  const { jwt, ca } = await signingKeys();
  const keys = new MemorySigningKeySet();
  keys.put(jwt, "active", { kekVersion: "v1" });
  keys.put(ca, "active", { kekVersion: "v1" });
  const reviewer = scriptedReviewer();
  const server = await startSvidServer({
    trustDomain,
    keys,
    reviewer,
    insecureHttp: true,
    listen: { host: "127.0.0.1", port: 0 },
    processMetrics: false,
    ...overrides,
  });
  return { server, keys, reviewer };
}

/** What the server answered. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: () => Record<string, unknown> & { error?: { code: string; message: string } };
}

/** One request; `body` is sent as JSON unless it is a string. */
export function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; contentType?: string; ca?: string } = {},
): Promise<Answer> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const url = new URL(path, baseUrl);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ...(options.ca !== undefined && { ca: options.ca }),
        headers: {
          ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
          ...(payload !== undefined && { "content-type": options.contentType ?? "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
