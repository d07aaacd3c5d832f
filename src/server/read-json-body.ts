import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.ts";

/**
 * The request body parsed as a JSON object, read up to `limitBytes` (a bigger body is refused as soon as
 * its length or its bytes say so, never buffered whole).
 */
export async function readJsonBody(
  request: IncomingMessage,
  limitBytes: number,
): Promise<Record<string, unknown>> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpError("content-type: expected application/json", { code: "UNSUPPORTED_MEDIA_TYPE" });
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  const tooLarge = () =>
    new HttpError(`body: expected at most ${limitBytes} bytes`, { code: "BODY_TOO_LARGE" });
  if (declared > limitBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge();
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new HttpError("body: expected JSON", { code: "INVALID_REQUEST", cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new HttpError("body: expected a JSON object", { code: "INVALID_REQUEST" });
  return parsed as Record<string, unknown>;
}

/** Refuses fields other than `allowed`, naming the first unknown one (escaped, shortened). */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined)
    throw new HttpError(
      `body: unknown field ${JSON.stringify(unknown.slice(0, 40))}; expected only ${allowed.join(", ")}`,
      { code: "INVALID_REQUEST" },
    );
}
