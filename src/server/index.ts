// The Trust Domain Server's HTTP(S) endpoints over in-memory signing keys: the one public face of src/server.
export { authenticateCaller, bearerToken, type Caller } from "./authenticate-caller.ts";
export { cachedTokenReviewer, type TokenReviewCacheOptions } from "./cached-token-reviewer.ts";
export { type CloseOnSignalOptions, closeOnSignal } from "./close-on-signal.ts";
export { type FollowSigningKeysOptions, followSigningKeys } from "./follow-signing-keys.ts";
export { type HoldLeaseOptions, holdLease, type LeaseHolder } from "./hold-lease.ts";
export { HttpError, type HttpErrorCode, httpErrorCodes, httpErrorStatus, isHttpError } from "./http-error.ts";
export { type KubernetesTokenReviewerOptions, kubernetesTokenReviewer } from "./kubernetes-token-reviewer.ts";
export {
  type PreparedKeys,
  type PrepareSigningKeysOptions,
  prepareSigningKeys,
} from "./prepare-signing-keys.ts";
export {
  defaultRotationPolicy,
  type KeyRotationPolicy,
  type RotateSigningKeysOptions,
  type RotationStep,
  rotateSigningKeys,
} from "./rotate-signing-keys.ts";
export { type PeriodicTaskStats, type RunPeriodicallyOptions, runPeriodically } from "./run-periodically.ts";
export {
  createServerLog,
  formatServerLogEvent,
  type ServerLog,
  type ServerLogEvent,
  type ServerLogFormat,
} from "./server-log.ts";
export type { Operation, Outcome, ServerMetrics } from "./server-metrics.ts";
export {
  isServerStartError,
  ServerStartError,
  type ServerStartErrorCode,
  serverStartFailures,
} from "./server-start-error.ts";
export { type SvidServer, type SvidServerOptions, startSvidServer } from "./start-svid-server.ts";
export {
  startTrustDomainServer,
  type TrustDomainServer,
  type TrustDomainServerOptions,
} from "./start-trust-domain-server.ts";
export type { TokenReviewer, TokenReviewResult } from "./token-reviewer.ts";
export {
  type ServerSettingSources,
  type ServerSettings,
  validateServerSettings,
} from "./validate-server-settings.ts";
