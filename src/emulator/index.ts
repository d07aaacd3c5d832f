// The local Managed HSM + Entra ID emulator: the one public face of src/emulator.
export { Clock } from "./clock.ts";
export {
  devDefaults,
  type EmulatorConfig,
  type EmulatorConfigInput,
  emulatorConfigSchema,
} from "./config/emulator-config.ts";
export { loadEmulatorConfig, parseEmulatorConfig } from "./config/load-config.ts";
export type { AssertionRequest } from "./entra/dev-issuer.ts";
export { parseEnvFile, renderEnvFile, writeEnvFile } from "./env-file.ts";
export { EmulatorError, type EmulatorErrorCode, isEmulatorError } from "./errors.ts";
export type { Fault, FaultInput, FaultKind } from "./faults/fault-plan.ts";
export { builtInRoles } from "./rbac/built-in-roles.ts";
export type { RequestCounts, RequestLogEntry } from "./request-log.ts";
export { type EmulatorHandle, type EmulatorOptions, startEmulator } from "./start-emulator.ts";
export type { EmulatorState } from "./state.ts";
