import type { IncomingMessage } from "node:http";

/** What a handler answers; the router writes it, logs it and counts it. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /** The SPIFFE ID an SVID was issued to, for the log line. */
  readonly spiffeId?: string;
}

/** One request as a handler sees it. */
export interface RequestContext {
  readonly request: IncomingMessage;
  /** Aborts when the request's deadline passes. */
  readonly signal: AbortSignal;
}

/** Answers one route; throws an `HttpError` (or anything, which becomes a 500) to refuse. */
export type Handler = (context: RequestContext) => Promise<Reply>;

/** A JSON answer. */
export function jsonReply(status: number, value: unknown, extra: { spiffeId?: string } = {}): Reply {
  return { status, body: JSON.stringify(value), contentType: "application/json", ...extra };
}
