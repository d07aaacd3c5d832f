// Errors shaped like the SDKs' for in-process tests of the retry and classification logic.

/** A RestError as the SDK throws it, with the response headers the retry logic reads. */
export function restError(
  statusCode: number | undefined,
  headers: Record<string, string> = {},
  code?: string,
  message = `status ${statusCode}`,
) {
  return Object.assign(new Error(message), {
    name: "RestError",
    statusCode,
    code,
    response: { headers: { get: (name: string) => headers[name] } },
  });
}
