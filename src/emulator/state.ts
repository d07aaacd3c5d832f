import type { Clock } from "./clock.ts";
import type { DevIssuer } from "./entra/dev-issuer.ts";
import type { EntraDirectory } from "./entra/directory.ts";
import type { FaultPlan } from "./faults/fault-plan.ts";
import type { KeyStore } from "./hsm/key-store.ts";
import type { RoleAssignments } from "./rbac/role-assignments.ts";
import type { RequestLog } from "./request-log.ts";

/** Everything a running emulator holds; the servers read it, the admin API and the handle change it. */
export interface EmulatorState {
  readonly clock: Clock;
  readonly directory: EntraDirectory;
  /** Key stores by HSM name (`<name>.managedhsm.azure.net`). */
  readonly hsms: Map<string, KeyStore>;
  readonly roles: RoleAssignments;
  readonly faults: FaultPlan;
  readonly log: RequestLog;
  readonly devIssuer: DevIssuer;
}

/** `https://<name>.managedhsm.azure.net`. */
export const hsmUrl = (name: string): string => `https://${name}.managedhsm.azure.net`;
