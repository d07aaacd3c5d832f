import type { IncomingHttpHeaders } from "node:http";
import { type Caller, expiredToken, verifyAccessToken } from "../entra/access-token.ts";
import type { FaultKind } from "../faults/fault-plan.ts";
import { type EmulatorState, hsmUrl } from "../state.ts";
import type { HsmRoute } from "./hsm-route.ts";
import { type OperationResult, runHsmOperation } from "./run-hsm-operation.ts";
import { badParameter, isServiceError, ServiceError } from "./service-error.ts";

/**
 * api-versions of the SDKs and of real Managed HSM captures (7.2 to 2025-07-01, previews included, and
 * 2026-01-01-preview, the Python SDK's default since azure-keyvault-keys 4.12.0b1); others get the
 * service's `BadParameter`.
 */
const apiVersions = new Set([
  "7.2",
  "7.3-preview",
  "7.3",
  "7.4-preview.1",
  "7.4",
  "7.5-preview.1",
  "7.5",
  "7.6-preview.1",
  "7.6-preview.2",
  "7.6",
  "2025-07-01",
  "2026-01-01-preview",
]);

/** The exact challenge of real Managed HSM (wire spec §3); the SDK parses only quoted, space-free values. */
function challengeHeader(tenantId: string): string {
  return `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://managedhsm.azure.net"`;
}

/** A data-plane response before the front door adds the common headers. */
export interface HsmResponse {
  readonly status: number;
  readonly json?: unknown;
  /** Raw body when not JSON (the challenge's empty body or `OK`). */
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

/** The body-less `401` that starts the SDK's challenge flow: `OK` for GET, empty otherwise, as captured. */
export function challengeResponse(state: EmulatorState, method: string): HsmResponse {
  return {
    status: 401,
    text: method === "GET" ? "OK" : "",
    headers: {
      "www-authenticate": challengeHeader(state.directory.tenantId),
      // Real GET challenges also carry the service build; the value is the emulator's own.
      ...(method === "GET" && { "x-ms-build-version": "1.0.0.0-emulator" }),
    },
  };
}

/**
 * Authenticates, authorizes and runs one request that carries an `Authorization` header. `faults` are
 * the kinds the request drew (default none); the crypto-path ones act inside the key operation.
 */
export function handleHsmRequest(
  state: EmulatorState,
  hsm: string,
  route: HsmRoute | undefined,
  request: { method: string; query: URLSearchParams; headers: IncomingHttpHeaders; body: Buffer },
  faults?: ReadonlySet<FaultKind>,
): HsmResponse {
  try {
    const caller = authenticate(state, request.headers.authorization ?? "");
    // Real Managed HSM answers an expired token like a missing one (wire spec §4.1): the body-less challenge.
    if (caller === expiredToken) return challengeResponse(state, request.method);
    const apiVersion = request.query.get("api-version");
    if (apiVersion === null || !apiVersions.has(apiVersion))
      throw badParameter(
        `The specified version (${apiVersion ?? "none"}) is not recognized. Consider using the latest supported version (2025-07-01).`,
      );
    if (route === undefined)
      throw new ServiceError(404, "NotFound", `No route for ${request.method} request`);
    state.roles.authorize(hsm, caller.objectId, route.action, route.keyName);
    const store = state.hsms.get(hsm);
    if (store === undefined) throw new ServiceError(404, "NotFound", `HSM ${hsm} not found`);
    const result: OperationResult = runHsmOperation(
      store,
      hsmUrl(hsm),
      route,
      parseBody(request.body),
      state.clock.nowSeconds(),
      faults,
    );
    return result;
  } catch (error) {
    if (!isServiceError(error)) throw error;
    return {
      status: error.status,
      json: { error: { code: error.code, message: error.message } },
      ...(error.status === 401 && {
        headers: { "www-authenticate": challengeHeader(state.directory.tenantId) },
      }),
    };
  }
}

function authenticate(state: EmulatorState, authorization: string): Caller | typeof expiredToken {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const caller =
    match?.[1] === undefined
      ? "Request is missing a Bearer token."
      : verifyAccessToken(state.directory, match[1]);
  if (caller === expiredToken) return caller;
  if (typeof caller === "string") throw new ServiceError(401, "Unauthorized", caller);
  return caller;
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw badParameter("The request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw badParameter("The request body must be a JSON object");
  return parsed as Record<string, unknown>;
}
