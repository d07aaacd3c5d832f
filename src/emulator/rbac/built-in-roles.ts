/** Every data action name starts with this. */
export const dataActionPrefix = "Microsoft.KeyVault/managedHsm";

/** A Managed HSM local RBAC built-in role and the key data actions it permits (suffixes after the prefix). */
export interface BuiltInRole {
  readonly name: string;
  readonly id: string;
  readonly dataActions: readonly string[];
}

const keyUse = ["/keys/encrypt/action", "/keys/decrypt/action", "/keys/wrap/action", "/keys/unwrap/action"];
const keyManagement = [
  "/keys/read/action",
  "/keys/write/action",
  "/keys/rotate/action",
  "/keys/create",
  "/keys/delete",
  "/keys/import/action",
  "/keys/backup/action",
  "/keys/restore/action",
  "/keys/release/action",
  "/keys/sign/action",
  "/keys/verify/action",
  "/keys/deletedKeys/read/action",
  "/rng/action",
];
const roleManagement = [
  "/roleAssignments/read/action",
  "/roleAssignments/write/action",
  "/roleAssignments/delete/action",
  "/roleDefinitions/read/action",
];

/**
 * The built-in roles, after the "Permitted operations" table of learn.microsoft.com
 * azure/key-vault/managed-hsm/built-in-roles (key and role-management rows; security-domain and
 * full-backup rows are left out because the emulator serves no such routes).
 */
export const builtInRoles: readonly BuiltInRole[] = [
  {
    name: "Managed HSM Administrator",
    id: "a290e904-7015-4bba-90c8-60543313cdb4",
    dataActions: [...roleManagement, "/roleDefinitions/write/action", "/roleDefinitions/delete/action"],
  },
  {
    name: "Managed HSM Crypto Officer",
    id: "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
    dataActions: [
      ...roleManagement,
      "/roleDefinitions/write/action",
      "/roleDefinitions/delete/action",
      "/keys/read/action",
      "/keys/export/action",
      "/keys/deletedKeys/read/action",
      "/keys/deletedKeys/recover/action",
      "/keys/deletedKeys/delete",
    ],
  },
  {
    name: "Managed HSM Crypto User",
    id: "21dbd100-6940-42c2-9190-5d6cb909625b",
    dataActions: [...keyManagement, ...keyUse],
  },
  {
    name: "Managed HSM Policy Administrator",
    id: "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
    dataActions: roleManagement,
  },
  {
    name: "Managed HSM Crypto Auditor",
    id: "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
    dataActions: ["/keys/read/action", "/keys/deletedKeys/read/action", "/roleAssignments/read/action"],
  },
  {
    name: "Managed HSM Crypto Service Encryption User",
    id: "33413926-3206-4cdd-b39a-83574fe37a17",
    dataActions: ["/keys/read/action", "/keys/wrap/action", "/keys/unwrap/action"],
  },
  {
    name: "Managed HSM Crypto Service Release User",
    id: "21dbd100-6940-42c2-9190-5d6cb909625c",
    dataActions: ["/keys/read/action", "/keys/release/action"],
  },
  {
    name: "Managed HSM Backup",
    id: "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8",
    dataActions: ["/keys/backup/action"],
  },
  {
    name: "Managed HSM Restore",
    id: "6efe6056-5259-49d2-8b3d-d3d73544b20b",
    dataActions: ["/keys/restore/action"],
  },
];

/** A built-in role by display name or definition id; `undefined` when there is none. */
export function findBuiltInRole(nameOrId: string): BuiltInRole | undefined {
  const wanted = nameOrId.toLowerCase();
  return builtInRoles.find((role) => role.name.toLowerCase() === wanted || role.id === wanted);
}
