import {
  checkAudience,
  issueJwtSvid,
  issueX509Svid,
  type SigningKeySet,
  type SvidSigningKey,
  workloadSpiffeId,
} from "../svid/index.ts";
import { authenticateCaller } from "./authenticate-caller.ts";
import { type Handler, jsonReply } from "./handler.ts";
import { HttpError } from "./http-error.ts";
import { onlyFields, readJsonBody } from "./read-json-body.ts";
import { svidErrorToHttp } from "./svid-error-to-http.ts";
import type { TokenReviewer } from "./token-reviewer.ts";

/** What the SVID endpoints need; none of it reaches the HSM or the key store. */
export interface SvidHandlerOptions {
  readonly trustDomain: string;
  readonly keys: SigningKeySet;
  readonly reviewer: TokenReviewer;
  /** Largest request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** Lifetime of a JWT-SVID, in seconds. */
  readonly jwtTtlSeconds: number;
  /** Lifetime of an X509-SVID, in seconds. */
  readonly x509TtlSeconds: number;
}

/**
 * The active key of `use`, taken only once the request is known to be valid and still within its
 * deadline: a request answered with an error (the deadline's included) never gets anything signed.
 */
function activeKey(keys: SigningKeySet, use: SvidSigningKey["use"], signal: AbortSignal): SvidSigningKey {
  if (signal.aborted) throw new HttpError("the request's deadline passed", { code: "DEADLINE_EXCEEDED" });
  const key = keys.active(use);
  if (key === undefined) throw new HttpError(`no active ${use} key is loaded yet`, { code: "NOT_READY" });
  // An SVID never outlives its key: an expired key (no rotation happened) could only sign dead SVIDs.
  if (key.notAfter.getTime() <= Date.now())
    throw new HttpError(`the active ${use} key has expired and no next key is active`, { code: "NOT_READY" });
  return key;
}

/** Runs an SVID call, turning its refusals into the HTTP errors the caller sees. */
async function mapSvidErrors<T>(issue: () => Promise<T>): Promise<T> {
  try {
    return await issue();
  } catch (error) {
    throw svidErrorToHttp(error);
  }
}

/**
 * `POST /svid/jwt` `{"audience": [...]}` → `{"token"}`. The caller is authenticated before its body is
 * read, and the key is taken only once the request is known to be valid, so a refusal signs nothing.
 */
export function jwtSvidHandler(options: SvidHandlerOptions): Handler {
  return async ({ request, signal }) => {
    const caller = await authenticateCaller(request.headers, options.reviewer, signal);
    const body = await readJsonBody(request, options.bodyLimitBytes);
    onlyFields(body, ["audience"]);
    const audience = await mapSvidErrors(async () => checkAudience(body.audience));
    const spiffeId = workloadSpiffeId(options.trustDomain, caller.namespace, caller.serviceAccount);
    const key = activeKey(options.keys, "jwt-svid", signal);
    const token = await mapSvidErrors(() =>
      issueJwtSvid({ key, spiffeId, audience, ttlSeconds: options.jwtTtlSeconds }),
    );
    return jsonReply(200, { token }, { spiffeId });
  };
}

/** `POST /svid/x509` `{"csr": "<PEM>"}` → `{"certificates": "<PEM, leaf first>"}`, the CSR's names ignored. */
export function x509SvidHandler(options: SvidHandlerOptions): Handler {
  return async ({ request, signal }) => {
    const caller = await authenticateCaller(request.headers, options.reviewer, signal);
    const body = await readJsonBody(request, options.bodyLimitBytes);
    onlyFields(body, ["csr"]);
    if (typeof body.csr !== "string")
      throw new HttpError("csr: expected a PEM string", { code: "CSR_INVALID" });
    const spiffeId = workloadSpiffeId(options.trustDomain, caller.namespace, caller.serviceAccount);
    const csrPem = body.csr;
    const ca = activeKey(options.keys, "x509-svid", signal);
    // The CA is a root published in the bundle; the chain the caller presents is its leaf alone.
    const certificates = await mapSvidErrors(() =>
      issueX509Svid({ ca, csrPem, spiffeId, ttlSeconds: options.x509TtlSeconds }),
    );
    return jsonReply(200, { certificates }, { spiffeId });
  };
}
