import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AadstsError } from "./entra/aadsts-error.ts";
import { entraRoute, handleEntraRequest } from "./entra/handle-entra-request.ts";
import type { Fault } from "./faults/fault-plan.ts";
import { holdForLatency, networkLatencyOnly } from "./faults/hold-for-latency.ts";
import { challengeResponse, type HsmResponse, handleHsmRequest } from "./hsm/handle-hsm-request.ts";
import { hsmRoute } from "./hsm/hsm-route.ts";
import { isBodyTooLarge, readBody } from "./http/read-body.ts";
import { wireJson } from "./http/wire-json.ts";
import type { RequestLogEntry } from "./request-log.ts";
import { type EmulatorState, hsmUrl } from "./state.ts";

const hsmHostPattern = /^([a-z0-9-]+)\.managedhsm\.azure\.net$/;

/** Headers every Managed HSM response carries in real captures, the 401 challenge included (wire spec §3). */
const hsmHeaders = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy": "default-src 'self'",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "SAMEORIGIN",
};
/** Responses past the challenge also name the region; the captured challenge does not (wire spec §3, §7.8). */
const servedHeaders = { ...hsmHeaders, "x-ms-keyvault-region": "local" };

/**
 * The one HTTPS request handler behind the CONNECT proxy and the issuer port: picks the service by
 * Host (an HSM, Entra, or the dev issuer), logs the request, applies faults, and writes the response.
 */
export function createRequestHandler(state: EmulatorState, issuerHost: string) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    serve(state, issuerHost, request, response).catch((error: unknown) => {
      if (isBodyTooLarge(error) && !response.headersSent) {
        // The rest of the body is not read: close the connection rather than drain it.
        const text = JSON.stringify({
          error: { code: "RequestBodyTooLarge", message: (error as Error).message },
        });
        response.writeHead(413, { "content-type": "application/json; charset=utf-8", connection: "close" });
        return response.end(text);
      }
      // A bug, not a client error: answer 500 without details (they could hold request data).
      console.error(`emulator: internal error: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  };
}

async function serve(
  state: EmulatorState,
  issuerHost: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const started = performance.now();
  const method = request.method ?? "GET";
  const rawHost = (request.headers.host ?? "").toLowerCase();
  const host = rawHost.replace(/:443$/, "");
  const url = new URL(request.url ?? "/", "https://placeholder");
  const body = await readBody(request);
  const requestId = randomUUID();
  const hsm = hsmHostPattern.exec(host)?.[1];
  const entry = (operation: string, hsmName?: string): RequestLogEntry =>
    state.log.record({
      time: new Date(state.clock.now()).toISOString(),
      host,
      method,
      path: url.pathname,
      operation,
      ...(hsmName !== undefined && { hsm: hsmName }),
      status: 0,
    });
  const write = (logged: RequestLogEntry, status: number, headers: Record<string, string>, text: string) => {
    logged.status = status;
    logged.answered = new Date(state.clock.now()).toISOString();
    response.writeHead(status, {
      ...headers,
      "x-ms-request-id": requestId,
      "x-ms-server-latency": String(Math.round(performance.now() - started)),
      "content-length": String(Buffer.byteLength(text)),
    });
    response.end(text);
  };

  if (hsm !== undefined && state.hsms.has(hsm)) {
    const route = hsmRoute(method, url.pathname);
    const logged = entry(route?.operation ?? "unknown", hsm);
    if (request.headers.authorization === undefined) {
      // The challenge crosses the same network as any request, but no service fault applies before authentication.
      if (
        !(await holdForLatency(state.faults.take(logged.operation, hsm, networkLatencyOnly), request.socket))
      )
        return;
      const challenge = challengeResponse(state, method);
      return write(logged, challenge.status, { ...hsmHeaders, ...challenge.headers }, challenge.text ?? "");
    }
    const faults = state.faults.take(logged.operation, hsm);
    const early = await preFaults(faults, request, () => hsmFaultResponse(faults));
    if (early === "reset") return;
    const result =
      early ??
      handleHsmRequest(
        state,
        hsm,
        route,
        { method, query: url.searchParams, headers: request.headers, body },
        new Set(faults.map((fault) => fault.kind)),
      );
    const json = withActivityId(result.json, requestId);
    const text = result.text ?? (json === undefined ? "" : postFaults(faults, json, wireJson, hsmUrl(hsm)));
    return write(logged, result.status, { ...servedHeaders, ...result.headers }, text);
  }

  if (host === "login.microsoftonline.com") {
    const route = entraRoute(method, url.pathname);
    const logged = entry(route?.operation ?? "unknown");
    const faults = state.faults.take(logged.operation, undefined);
    const early = await preFaults(faults, request, () => entraFaultResponse(faults, state.clock.now()));
    if (early === "reset") return;
    const result = early ?? (await handleEntraRequest(state, route, body, url.searchParams));
    const headers = {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store, no-cache",
      ...early?.headers,
    };
    // Entra keeps its own key order (`token_type` first, `error` first), unlike Managed HSM.
    return write(logged, result.status, headers, postFaults(faults, result.json, JSON.stringify));
  }

  if (rawHost === issuerHost && method === "GET") {
    const logged = entry("issuer");
    const document =
      url.pathname === "/.well-known/openid-configuration"
        ? state.devIssuer.discoveryDocument()
        : url.pathname === "/openid/v1/jwks"
          ? state.devIssuer.jwks()
          : undefined;
    if (document === undefined) return write(logged, 404, {}, "");
    return write(logged, 200, { "content-type": "application/json" }, JSON.stringify(document));
  }

  return write(entry("unknown"), 404, {}, "");
}

/** Latency, then the first of reset / 429 / 503; `undefined` to serve the request normally. */
async function preFaults(
  faults: readonly Fault[],
  request: IncomingMessage,
  failure: () => HsmResponse | undefined,
): Promise<HsmResponse | "reset" | undefined> {
  if (!(await holdForLatency(faults, request.socket))) return "reset";
  if (faults.some((fault) => fault.kind === "reset")) {
    request.socket.destroy();
    return "reset";
  }
  return failure();
}

function hsmFaultResponse(faults: readonly Fault[]): HsmResponse | undefined {
  const throttle = faults.find((fault) => fault.kind === "throttle");
  if (throttle !== undefined)
    return {
      status: 429,
      json: {
        error: {
          code: "Throttled",
          message:
            "Request was not processed because too many requests were received. Reason: HSM throttling limit reached",
        },
      },
      headers: { "retry-after": String(throttle.retryAfterSeconds ?? 1) },
    };
  if (faults.some((fault) => fault.kind === "unavailable"))
    return {
      status: 503,
      json: { error: { code: "ServiceUnavailable", message: "The service is temporarily unavailable." } },
    };
  return undefined;
}

function entraFaultResponse(faults: readonly Fault[], now: number): HsmResponse | undefined {
  const throttle = faults.find((fault) => fault.kind === "throttle");
  const unavailable = faults.some((fault) => fault.kind === "unavailable");
  if (throttle === undefined && !unavailable) return undefined;
  const error = new AadstsError(
    throttle ? 429 : 503,
    "temporarily_unavailable",
    90033,
    "A transient error has occurred. Please try again.",
  );
  return {
    status: error.status,
    json: error.body(new Date(now)),
    ...(throttle !== undefined && { headers: { "retry-after": String(throttle.retryAfterSeconds ?? 1) } }),
  };
}

/** Managed HSM appends the request id to every error message. */
function withActivityId(json: unknown, requestId: string): unknown {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.message !== "string") return json;
  return { error: { ...error, message: `${error.message} (Activity ID: ${requestId})` } };
}

/** Serializes the body with `serialize`, with a wrong `kid` (HSM only) or cut short when a fault says so. */
function postFaults(
  faults: readonly Fault[],
  json: unknown,
  serialize: (value: unknown) => string,
  vaultUrl?: string,
): string {
  let body = json;
  if (vaultUrl !== undefined && faults.some((fault) => fault.kind === "wrong-kid"))
    body = replaceKid(json, `${vaultUrl}/keys/wrong-kid-fault/${"0".repeat(32)}`);
  const text = serialize(body);
  return faults.some((fault) => fault.kind === "malformed-json")
    ? text.slice(0, Math.ceil(text.length / 2))
    : text;
}

function replaceKid(json: unknown, kid: string): unknown {
  if (typeof json !== "object" || json === null) return json;
  const record = json as Record<string, unknown>;
  if (typeof record.kid === "string") return { ...record, kid };
  if (typeof record.key === "object" && record.key !== null)
    return { ...record, key: { ...record.key, kid } };
  return json;
}
