import { CodedError, codedErrorGuard } from "../errors/index.ts";

/** Why the server did not start (after the preflight passed), each with its own exit status. */
export const serverStartFailures = {
  /** A server setting (trust domain, token audience) breaks the values model's rule: a usage error. */
  SETTINGS_INVALID: 2,
  /** A SigningKey names another KEK provider, HSM or key name than the configuration. */
  PROVIDER_MISMATCH: 40,
  /** The SigningKeys could not be listed, opened, created or activated. */
  KEYS_UNAVAILABLE: 41,
  /** The address could not be listened on, or the serving certificate could not be read. */
  LISTEN_FAILED: 42,
} as const;

export type ServerStartErrorCode = keyof typeof serverStartFailures;

/** A classified start failure: one line naming what and where, and the process exit status. */
export class ServerStartError extends CodedError<ServerStartErrorCode> {
  override readonly name = "ServerStartError";

  get exitCode(): number {
    return serverStartFailures[this.code];
  }
}

export const isServerStartError = codedErrorGuard<ServerStartError>("ServerStartError");
