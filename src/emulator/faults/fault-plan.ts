import { randomUUID } from "node:crypto";

/** What a fault does to a matching request. */
export type FaultKind =
  /**
   * An added round trip of `latencyMs`. Without `operation` it is the network's, as between a client
   * and a distant service: every request is answered that much later (the 401 challenge too), and a
   * new connection's handshakes each cost one more (the proxy's CONNECT answer, then the TLS server
   * hello). With `operation` it is that operation being slow: its authorized requests only, or, for
   * `connect-hsm` and `connect-entra`, the connection set-up alone.
   */
  | "latency"
  /** `429 Throttled` with `Retry-After: retryAfterSeconds`. */
  | "throttle"
  /** `503 ServiceUnavailable`. */
  | "unavailable"
  /** Reset the connection without a response. */
  | "reset"
  /** Serve the real status with a truncated JSON body. */
  | "malformed-json"
  /** Serve the real response with the `kid` of another key (HSM responses only). */
  | "wrong-kid"
  /**
   * A256GCM decrypt returns the plaintext without checking the tag, so it succeeds whatever AAD the
   * request sends: an HSM that does not authenticate AAD (`decrypt` only).
   */
  | "ignore-aad"
  /** `decrypt` and `unwrapKey` return the plaintext with its first bit flipped. */
  | "corrupt-plaintext"
  /** `decrypt` and `unwrapKey` return the plaintext without its last byte (the NUL-byte truncation bug). */
  | "truncate-plaintext"
  /** A256GCM encrypt returns only the first 8 bytes of its 12-byte IV (`encrypt` only). */
  | "short-iv"
  /** The proxy accepts the connection and never answers the CONNECT (operations `connect-hsm`, `connect-entra`). */
  | "proxy-hang"
  /** The proxy answers the CONNECT `403 Forbidden`, as a filtering proxy refusing the host does. */
  | "proxy-forbidden"
  /** The proxy answers the CONNECT `407 Proxy Authentication Required`. */
  | "proxy-auth-required"
  /** The proxy answers the CONNECT `502 Bad Gateway`, as when it cannot reach the host itself. */
  | "proxy-bad-gateway";

/** A fault as tests describe it (admin API, config, `startEmulator`). */
export interface FaultInput {
  readonly kind: FaultKind;
  /**
   * Operation name from the request log (`encrypt`, `getKey`, `token`, …; `connect-hsm` or
   * `connect-entra` for the proxy kinds).
   * Default: every operation the kind applies to.
   */
  readonly operation?: string | undefined;
  /** HSM name; Entra requests have none. Default: every HSM and Entra. */
  readonly hsm?: string | undefined;
  /** Hit only the next N matching requests. Default: unlimited. */
  readonly count?: number | undefined;
  /** Hit each matching request with this probability (0..1). Default 1. */
  readonly probability?: number | undefined;
  /** For `latency`. Default 100. */
  readonly latencyMs?: number | undefined;
  /** For `throttle`. Default 1. */
  readonly retryAfterSeconds?: number | undefined;
}

/** A fault with its id and how many hits remain. */
export interface Fault extends FaultInput {
  readonly id: string;
  remaining?: number;
}

/** Every kind, in documentation order; the config schema takes its enum from here. */
export const faultKinds = [
  "latency",
  "throttle",
  "unavailable",
  "reset",
  "malformed-json",
  "wrong-kid",
  "ignore-aad",
  "corrupt-plaintext",
  "truncate-plaintext",
  "short-iv",
  "proxy-hang",
  "proxy-forbidden",
  "proxy-auth-required",
  "proxy-bad-gateway",
] as const satisfies readonly FaultKind[];

/** The kinds the CONNECT proxy applies; they match only the CONNECT operations, and no other kind does. */
export const proxyFaultKinds: ReadonlySet<FaultKind> = new Set([
  "proxy-hang",
  "proxy-forbidden",
  "proxy-auth-required",
  "proxy-bad-gateway",
]);

/** The operation names of a CONNECT request (to an HSM, to Entra ID), in faults and the request log. */
export const connectOperations = { hsm: "connect-hsm", entra: "connect-entra" } as const;

const isConnect = (operation: string) => operation.startsWith("connect-");

/** The active faults; a request takes every fault that matches it, consuming one use of each. */
export class FaultPlan {
  readonly #faults: Fault[] = [];
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds a fault; throws `RangeError` naming the bad field. */
  add(input: FaultInput): Fault {
    if (!(faultKinds as readonly string[]).includes(input.kind))
      throw new RangeError(`kind: expected one of ${faultKinds.join(", ")}`);
    if (input.count !== undefined && !(Number.isInteger(input.count) && input.count > 0))
      throw new RangeError(`count: expected a positive integer, got ${input.count}`);
    if (input.probability !== undefined && !(input.probability >= 0 && input.probability <= 1))
      throw new RangeError(`probability: expected 0..1, got ${input.probability}`);
    const fault: Fault = {
      ...input,
      id: randomUUID(),
      ...(input.count !== undefined && { remaining: input.count }),
    };
    this.#faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const index = this.#faults.findIndex((fault) => fault.id === id);
    if (index !== -1) this.#faults.splice(index, 1);
    return index !== -1;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  /** The faults this request gets (only those `only` accepts, when given); spent ones are dropped. */
  take(operation: string, hsm: string | undefined, only?: (fault: Fault) => boolean): Fault[] {
    const hits = this.#faults.filter(
      (fault) =>
        (only === undefined || only(fault)) &&
        // A proxy fault must not spend its count on HTTPS requests, nor an HTTPS fault on a CONNECT;
        // latency is the network's, so it delays both.
        (fault.kind === "latency" || proxyFaultKinds.has(fault.kind) === isConnect(operation)) &&
        (fault.operation === undefined || fault.operation === operation) &&
        (fault.hsm === undefined || fault.hsm === hsm) &&
        (fault.probability === undefined || this.#random() < fault.probability),
    );
    for (const fault of hits) {
      if (fault.remaining === undefined) continue;
      fault.remaining--;
      if (fault.remaining === 0) this.remove(fault.id);
    }
    return hits;
  }
}
