/** The HTTP status of a client-node 2.x failure (`ApiException.code`), if it has one. */
export function apiStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The API server's own words for a failed call: the `message` of the Status body client-node carries
 * (e.g. `serviceaccounts "x" not found`, what the real webhook's Go client returns as its error), else
 * the error's message (a connection failure).
 */
export function apiFailureMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null | undefined)?.message;
  if (typeof message === "string" && message !== "") return message;
  return error instanceof Error ? error.message : String(error);
}
