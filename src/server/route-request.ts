import type { IncomingMessage, ServerResponse } from "node:http";
import type { Handler, Reply } from "./handler.ts";
import { HttpError, type HttpErrorCode, isHttpError } from "./http-error.ts";
import type { ServerLog } from "./server-log.ts";
import type { Operation, Outcome, ServerMetrics } from "./server-metrics.ts";

/** One endpoint. */
export interface Route {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly operation: Operation;
  readonly handler: Handler;
}

/** Options of {@link routeRequests}. */
export interface RouterOptions {
  readonly routes: readonly Route[];
  /** Every request is answered within this many ms (503 `DEADLINE_EXCEEDED` otherwise). */
  readonly requestTimeoutMs: number;
  readonly metrics: ServerMetrics;
  readonly log: ServerLog;
}

function errorReply(error: HttpError): Reply {
  return {
    status: error.status,
    body: JSON.stringify({ error: { code: error.code, message: error.message } }),
    contentType: "application/json",
  };
}

function outcomeOf(status: number): Outcome {
  if (status < 400) return "ok";
  return status < 500 ? "client_error" : "server_error";
}

/** Runs the handler within the deadline; whatever it throws becomes an HttpError. */
async function answer(
  route: Route,
  request: IncomingMessage,
  timeoutMs: number,
  log: ServerLog,
): Promise<{ reply: Reply; code: HttpErrorCode | "none" }> {
  const signal = AbortSignal.timeout(timeoutMs);
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(new HttpError(`no answer within ${timeoutMs} ms`, { code: "DEADLINE_EXCEEDED" }));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return { reply: await Promise.race([route.handler({ request, signal }), deadline]), code: "none" };
  } catch (error) {
    if (isHttpError(error)) return { reply: errorReply(error), code: error.code };
    log({
      level: "error",
      msg: "request failed unexpectedly",
      fields: {
        operation: route.operation,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      },
    });
    return {
      reply: errorReply(new HttpError("internal error", { code: "INTERNAL", cause: error })),
      code: "INTERNAL",
    };
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The request listener: finds the route, answers within the deadline with JSON errors that carry a
 * stable `code`, then counts and logs the request (one line each).
 */
export function routeRequests(
  options: RouterOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const started = performance.now();
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const onPath = options.routes.filter((route) => route.path === path);
    const route = onPath.find((candidate) => candidate.method === request.method);
    const done = (reply: Reply, code: HttpErrorCode | "none", operation: Operation) => {
      if (!response.destroyed) {
        response.writeHead(reply.status, {
          "content-type": reply.contentType,
          "content-length": Buffer.byteLength(reply.body),
          "cache-control": "no-store",
          // An unread body (refused early) cannot be skipped safely on a kept-alive connection.
          ...(!request.complete && { connection: "close" }),
          ...(code === "METHOD_NOT_ALLOWED" && {
            allow: onPath.map((candidate) => candidate.method).join(", "),
          }),
        });
        response.end(reply.body);
      }
      const seconds = (performance.now() - started) / 1000;
      options.metrics.observe(operation, outcomeOf(reply.status), code, seconds);
      options.log({
        level: "info",
        msg: "request",
        fields: {
          operation,
          method: request.method,
          status: reply.status,
          code: code === "none" ? undefined : code,
          ms: Math.round(seconds * 10_000) / 10,
          spiffeId: reply.spiffeId,
        },
      });
    };
    if (route === undefined) {
      const error =
        onPath.length === 0
          ? new HttpError("no such endpoint", { code: "NOT_FOUND" })
          : new HttpError(`method ${String(request.method).slice(0, 10)} is not allowed here`, {
              code: "METHOD_NOT_ALLOWED",
            });
      done(errorReply(error), error.code, onPath[0]?.operation ?? "other");
      return;
    }
    void answer(route, request, options.requestTimeoutMs, options.log).then(({ reply, code }) =>
      done(reply, code, route.operation),
    );
  };
}
