import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Why a request may not use the admin API: its status and a one-line reason. */
export interface AccessDenial {
  readonly status: number;
  readonly message: string;
}

/**
 * The admin API mints tokens and rewires keys, and it listens on loopback where any web page the developer
 * opens can reach it. So, in this order:
 * - `Host` must be this listener's own `127.0.0.1:<port>` or `localhost:<port>` (DNS rebinding sends a
 *   foreign name);
 * - an `Origin`, when sent, must be the admin's own origin (a browser names the page that sent it);
 * - `Authorization: Bearer <token>` must carry the per-run secret (only the env file and the handle know it);
 * - a body, or any declared Content-Type, must be `application/json` (what a browser cannot send
 *   cross-origin without asking first).
 * Returns `undefined` when the request may proceed.
 */
export function checkAdminAccess(request: IncomingMessage, token: string): AccessDenial | undefined {
  const port = request.socket.localPort;
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !own.includes(host))
    return { status: 403, message: `Host: expected 127.0.0.1:${port} or localhost:${port}` };
  const origin = request.headers.origin;
  if (origin !== undefined && !own.some((authority) => origin.toLowerCase() === `http://${authority}`))
    return { status: 403, message: "Origin: cross-origin requests are refused" };
  if (!bearerMatches(request.headers.authorization, token))
    return {
      status: 401,
      message:
        "Authorization: expected Bearer <SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN from the env file or the emulator handle>",
    };
  // Also a declared non-JSON type with no body: a form POST is refused whatever it carries.
  const contentType = request.headers["content-type"];
  if ((contentType !== undefined || hasBody(request)) && !isJson(contentType))
    return { status: 415, message: "Content-Type: expected application/json" };
  return undefined;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
  if (presented === undefined) return false;
  const [a, b] = [Buffer.from(presented), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}
