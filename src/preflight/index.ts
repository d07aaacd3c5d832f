// The preflight that proves the Managed HSM key wraps keys: the one public face of src/preflight.

export { configSources } from "./config-sources.ts";
export { aadstsExplanations, findAadsts } from "./explain-aadsts.ts";
export { type FailureClass, type FailureCode, failureCatalogue, failureCodes } from "./failure-catalogue.ts";
export {
  formatPreflightEvent,
  type LogFormat,
  type LogLevel,
  type LogLine,
  startLine,
} from "./format-preflight-event.ts";
export { parseTimeout } from "./parse-timeout.ts";
export {
  type PreflightConfig,
  type PreflightConfigInput,
  validatePreflightConfig,
} from "./preflight-config.ts";
export { isPreflightError, PreflightError, type PreflightErrorOptions } from "./preflight-error.ts";
export type { PreflightEvent, PreflightReport, PreflightTimings } from "./preflight-event.ts";
export { redactSecrets } from "./redact-secrets.ts";
export { catalogueMarkers, renderFailureCatalogue } from "./render-failure-catalogue.ts";
export { type PreflightOptions, runPreflight } from "./run-preflight.ts";
export { type SignIn, signInWithWorkloadIdentity } from "./sign-in.ts";
