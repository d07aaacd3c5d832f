/**
 * A Key Vault error response: `{"error":{"code","message"}}` with the status it travels with.
 * Thrown inside the data plane and turned into a response in one place, which appends the
 * Managed HSM `(Activity ID: …)` suffix.
 */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly status: number;
  /** The wire `error.code`, e.g. `BadParameter`, `KeyNotFound`, `AccessDenied`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function isServiceError(value: unknown): value is ServiceError {
  return value instanceof ServiceError;
}

export const badParameter = (message: string): ServiceError => new ServiceError(400, "BadParameter", message);
