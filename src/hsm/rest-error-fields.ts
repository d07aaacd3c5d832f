// The SDKs throw `RestError` (core-rest-pipeline) and identity errors; this package does not depend on
// core-rest-pipeline directly, so the fields are read structurally rather than with `isRestError`.

interface ErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly response?: { readonly headers?: { get?(name: string): string | undefined } };
}

function fields(error: unknown): ErrorFields {
  return typeof error === "object" && error !== null ? (error as ErrorFields) : {};
}

/** The HTTP status of a `RestError`, if the error carries one. */
export function statusCodeOf(error: unknown): number | undefined {
  const status = fields(error).statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The service error code (`AccessDenied`, `KeyNotFound`) or the Node error code (`ECONNRESET`). */
export function errorCodeOf(error: unknown): string | undefined {
  const code = fields(error).code;
  return typeof code === "string" ? code : undefined;
}

/** The error's `name` (`RestError`, `AbortError`, `AuthenticationRequiredError`, …). */
export function errorNameOf(error: unknown): string | undefined {
  const name = fields(error).name;
  return typeof name === "string" ? name : undefined;
}

/** The error's message, or "" when it has none. */
export function messageOf(error: unknown): string {
  const message = fields(error).message;
  return typeof message === "string" ? message : "";
}

/** A response header of a `RestError`, if the error carries the response. */
export function responseHeaderOf(error: unknown, name: string): string | undefined {
  const headers = fields(error).response?.headers;
  return typeof headers?.get === "function" ? headers.get(name) : undefined;
}

/** The error, its `cause` chain and the members of aggregate errors, depth first. */
export function errorChain(error: unknown): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  const visit = (current: unknown) => {
    if (current === undefined || current === null || seen.has(current)) return;
    seen.add(current);
    out.push(current);
    const { cause, errors } = fields(current);
    if (Array.isArray(errors)) for (const member of errors) visit(member);
    visit(cause);
  };
  visit(error);
  return out;
}
