import { randomUUID } from "node:crypto";

/** An Entra token-endpoint failure: OAuth `error`, an `AADSTS` number and its description. */
export class AadstsError extends Error {
  override readonly name = "AadstsError";
  readonly status: number;
  /** OAuth 2 error, e.g. `invalid_client`. */
  readonly error: string;
  /** The AADSTS number, e.g. 700213. */
  readonly aadsts: number;

  constructor(status: number, error: string, aadsts: number, description: string) {
    super(`AADSTS${aadsts}: ${description}`);
    this.status = status;
    this.error = error;
    this.aadsts = aadsts;
  }

  /** The JSON body Entra sends, with fresh trace and correlation ids. */
  body(now: Date): Record<string, unknown> {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = now
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return {
      error: this.error,
      // Entra separates these trailers with CRLF, as its documented and captured errors show.
      error_description: `${this.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
    };
  }
}

export function isAadstsError(value: unknown): value is AadstsError {
  return value instanceof AadstsError;
}

/** `invalid_client` (401): every way a client assertion can fail. */
export const invalidClient = (aadsts: number, description: string): AadstsError =>
  new AadstsError(401, "invalid_client", aadsts, description);
