/** The parts of a Key Vault key identifier `https://<host>/keys/<name>[/<version>]`. */
export interface KeyId {
  /** Lowercase host, e.g. `my-hsm.managedhsm.azure.net`. */
  readonly host: string;
  readonly name: string;
  /** Empty when the id names no version. */
  readonly version: string;
}

/** Parses a key id as the service returns it (`kid`); undefined when it is not one. */
export function parseKeyId(kid: string): KeyId | undefined {
  let url: URL;
  try {
    url = new URL(kid);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:") return undefined;
  const match = /^\/keys\/([0-9A-Za-z-]{1,127})(?:\/([0-9A-Za-z]*))?\/?$/.exec(url.pathname);
  if (match === null) return undefined;
  return { host: url.host.toLowerCase(), name: match[1] as string, version: match[2] ?? "" };
}
