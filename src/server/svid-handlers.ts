import { issueJwtSvid, issueX509Svid, type SigningKeySet, workloadSpiffeId } from "../svid/index.ts";
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

function notReady(use: string): HttpError {
  return new HttpError(`no active ${use} key is loaded yet`, { code: "NOT_READY" });
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
    const spiffeId = workloadSpiffeId(options.trustDomain, caller.namespace, caller.serviceAccount);
    const key = options.keys.active("jwt-svid");
    if (key === undefined) throw notReady("jwt-svid");
    const token = await issueJwtSvid({
      key,
      spiffeId,
      audience: body.audience as string[],
      ttlSeconds: options.jwtTtlSeconds,
    }).catch((error: unknown) => {
      throw svidErrorToHttp(error);
    });
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
    const ca = options.keys.active("x509-svid");
    if (ca === undefined) throw notReady("x509-svid");
    // The CA is a root published in the bundle; the chain the caller presents is its leaf alone.
    const certificates = await issueX509Svid({
      ca,
      csrPem: body.csr,
      spiffeId,
      ttlSeconds: options.x509TtlSeconds,
    }).catch((error: unknown) => {
      throw svidErrorToHttp(error);
    });
    return jsonReply(200, { certificates }, { spiffeId });
  };
}
