/** An admin API answer: status and body (parsed when it is JSON). */
export interface AdminResponse {
  readonly status: number;
  readonly json: unknown;
}

/** Where the admin API listens and the per-run secret it wants as a bearer token. */
export interface AdminEndpoint {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The per-run secret (`SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN` in the env file). */
  readonly token: string;
}

/** Calls the admin API as it wants to be called: bearer token, JSON body. */
export async function callAdmin(
  endpoint: AdminEndpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminResponse> {
  const response = await fetch(new URL(path, endpoint.url), {
    method,
    headers: {
      authorization: `Bearer ${endpoint.token}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}
