import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "./http-error.ts";
import type { TokenReviewer } from "./token-reviewer.ts";

/** The Kubernetes service account a caller proved it is. */
export interface Caller {
  readonly namespace: string;
  readonly serviceAccount: string;
}

// What the API server names a service account: system:serviceaccount:<namespace>:<name>.
const serviceAccountUser =
  /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;

/** The `Authorization: Bearer <token>` token; throws `UNAUTHENTICATED` when there is none. */
export function bearerToken(headers: IncomingHttpHeaders): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(headers.authorization ?? "");
  if (match?.[1] === undefined)
    throw new HttpError("authorization: expected 'Bearer <service-account token>'", {
      code: "UNAUTHENTICATED",
    });
  return match[1];
}

/**
 * Who the caller is, from the API server's review of its bearer token: `UNAUTHENTICATED` for a missing,
 * unknown, expired or wrong-audience token, `FORBIDDEN` for a user that is not a service account. The
 * identity comes from the review alone, never from anything else the caller sends.
 */
export async function authenticateCaller(
  headers: IncomingHttpHeaders,
  reviewer: TokenReviewer,
  signal: AbortSignal,
): Promise<Caller> {
  const result = await reviewer.review(bearerToken(headers), signal);
  if (!result.authenticated || result.username === undefined)
    throw new HttpError("authorization: the API server did not accept the token for this audience", {
      code: "UNAUTHENTICATED",
    });
  const match = serviceAccountUser.exec(result.username);
  if (match?.[1] === undefined || match[3] === undefined)
    throw new HttpError(
      `caller ${JSON.stringify(result.username.slice(0, 120))} is not a service account; SVIDs name service accounts only`,
      { code: "FORBIDDEN" },
    );
  return { namespace: match[1], serviceAccount: match[3] };
}
