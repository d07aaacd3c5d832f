import { describe, expect, it } from "vitest";
import { isServiceError } from "../../../src/emulator/hsm/service-error.ts";
import { builtInRoles } from "../../../src/emulator/index.ts";
import { RoleAssignments } from "../../../src/emulator/rbac/role-assignments.ts";

const principal = "11111111-1111-4111-8111-111111111111";

function denial(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (isServiceError(error) && error.status === 403 && error.code === "AccessDenied") return error.message;
    throw error;
  }
  return "allowed";
}

describe("RoleAssignments", () => {
  it("grants a key-scoped role on that key only", () => {
    const roles = new RoleAssignments();
    roles.add({ hsm: "h", principalId: principal, role: "Managed HSM Crypto User", scope: "/keys/kek" });
    expect(denial(() => roles.authorize("h", principal, "/keys/encrypt/action", "kek"))).toBe("allowed");
    expect(denial(() => roles.authorize("h", principal, "/keys/encrypt/action", "other"))).toBe(
      "Not authorized to access Microsoft.KeyVault/managedHsm/keys/encrypt/action on '/keys/other'",
    );
    expect(denial(() => roles.authorize("h", principal, "/rng/action", undefined))).toContain("on '/'");
  });

  it("names /keys when creation is denied, as the service does", () => {
    expect(denial(() => new RoleAssignments().authorize("h", principal, "/keys/create", "new"))).toBe(
      "Not authorized to access Microsoft.KeyVault/managedHsm/keys/create on '/keys'",
    );
  });

  it("keeps HSMs apart", () => {
    const roles = new RoleAssignments();
    roles.add({ hsm: "a", principalId: principal, role: "Managed HSM Crypto User" });
    expect(denial(() => roles.authorize("b", principal, "/keys/read/action", "k"))).not.toBe("allowed");
  });

  it("gives the Crypto Officer recover and purge but no encrypt, and the Service Encryption User wrap but no encrypt", () => {
    const roles = new RoleAssignments();
    roles.add({ hsm: "h", principalId: principal, role: "515eb02d-2335-4d2d-92f2-b1cbdf9c3778" });
    expect(denial(() => roles.authorize("h", principal, "/keys/deletedKeys/delete", "k"))).toBe("allowed");
    expect(denial(() => roles.authorize("h", principal, "/keys/encrypt/action", "k"))).not.toBe("allowed");
    const service = new RoleAssignments();
    service.add({ hsm: "h", principalId: principal, role: "Managed HSM Crypto Service Encryption User" });
    expect(denial(() => service.authorize("h", principal, "/keys/wrap/action", "k"))).toBe("allowed");
    expect(denial(() => service.authorize("h", principal, "/keys/decrypt/action", "k"))).not.toBe("allowed");
  });

  it("refuses an unknown role or scope with the field named", () => {
    const roles = new RoleAssignments();
    expect(() => roles.add({ hsm: "h", principalId: principal, role: "Owner" })).toThrow(/^role: /);
    expect(() =>
      roles.add({ hsm: "h", principalId: principal, role: "Managed HSM Crypto User", scope: "/secrets" }),
    ).toThrow(/^scope: /);
  });

  it("lists the nine built-in roles with their documented ids", () => {
    expect(builtInRoles).toHaveLength(9);
    expect(builtInRoles.find((role) => role.name === "Managed HSM Crypto User")?.id).toBe(
      "21dbd100-6940-42c2-9190-5d6cb909625b",
    );
  });
});
