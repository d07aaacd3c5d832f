import type { KeyClientOptions } from "@azure/keyvault-keys";

type AdditionalPolicy = NonNullable<KeyClientOptions["additionalPolicies"]>[number];
type PipelinePolicy = AdditionalPolicy["policy"];

/** What went over the wire to the HSM, for the debug line and the benchmark. */
export interface HsmCallStats {
  /** HTTP requests sent to the HSM: every attempt, challenges included. */
  readonly calls: number;
  /** Requests per kind: `getKey`, `encrypt`, `decrypt`, `challenge` (the SDK's unauthenticated first request), `other`. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** Token requests made through the credential (cache hits included). */
  readonly tokenRequests: number;
  /** Time spent waiting for tokens, in milliseconds. */
  readonly tokenMs: number;
  /** `x-ms-request-id` of the latest HSM response. */
  readonly lastRequestId: string | undefined;
  /** Token requests still running (a failure then names Entra ID as what it was waiting for). */
  readonly tokensPending: number;
}

/** The HSM operation a request is: `getKey`, `encrypt`, `decrypt` or `other`. */
export function operationOf(method: string, url: string): string {
  const path = new URL(url).pathname;
  if (/\/encrypt$/.test(path)) return "encrypt";
  if (/\/decrypt$/.test(path)) return "decrypt";
  if (method === "GET" && /^\/keys\/[^/]+\/?[^/]*$/.test(path)) return "getKey";
  return "other";
}

/**
 * Counts HSM requests and keeps the latest `x-ms-request-id`. Its policy sits after the SDK's retry
 * policy ("perRetry"), so it sees every attempt, including the challenge round trip.
 */
export class CallRecorder {
  #calls = 0;
  readonly #byOperation: Record<string, number> = {};
  #tokenRequests = 0;
  #tokenMs = 0;
  #tokensPending = 0;
  #lastRequestId: string | undefined;

  /** The pipeline policy to add to every HSM client. */
  readonly policy: PipelinePolicy = {
    name: "spirlKeywrapCallRecorder",
    sendRequest: async (request, next) => {
      const unauthenticated = !request.headers.has("authorization");
      const response = await next(request);
      this.#calls++;
      const operation =
        unauthenticated && response.status === 401 ? "challenge" : operationOf(request.method, request.url);
      this.#byOperation[operation] = (this.#byOperation[operation] ?? 0) + 1;
      this.#lastRequestId = response.headers.get("x-ms-request-id") ?? this.#lastRequestId;
      return response;
    },
  };

  /** Records the start of a token request; call the returned function when it settles. */
  startToken(): () => void {
    const started = performance.now();
    this.#tokenRequests++;
    this.#tokensPending++;
    return () => {
      this.#tokensPending--;
      this.#tokenMs += performance.now() - started;
    };
  }

  /** The latest `x-ms-request-id`, for errors that carry no response. */
  get lastRequestId(): string | undefined {
    return this.#lastRequestId;
  }

  stats(): HsmCallStats {
    return {
      calls: this.#calls,
      byOperation: { ...this.#byOperation },
      tokenRequests: this.#tokenRequests,
      tokenMs: Math.round(this.#tokenMs),
      lastRequestId: this.#lastRequestId,
      tokensPending: this.#tokensPending,
    };
  }
}
