import { randomUUID } from "node:crypto";
import { ServiceError } from "../hsm/service-error.ts";
import { type BuiltInRole, dataActionPrefix, findBuiltInRole } from "./built-in-roles.ts";

/** One role granted to one principal (Entra object id) at `/` or `/keys/<name>` of one HSM. */
export interface RoleAssignment {
  readonly id: string;
  readonly hsm: string;
  readonly principalId: string;
  readonly role: BuiltInRole;
  readonly scope: string;
}

/** What to assign: the role by display name or definition id. */
export interface RoleAssignmentInput {
  readonly hsm: string;
  readonly principalId: string;
  readonly role: string;
  /** `/`, `/keys` or `/keys/<name>`. Default `/`. */
  readonly scope?: string;
}

const scopePattern = /^\/(keys(\/[0-9A-Za-z-]+)?)?$/;

/** The role assignments of every emulated HSM, changeable at run time. */
export class RoleAssignments {
  readonly #assignments: RoleAssignment[] = [];

  /** Adds an assignment; throws `RangeError` naming the bad field for an unknown role or scope. */
  add(input: RoleAssignmentInput): RoleAssignment {
    const role = findBuiltInRole(input.role);
    if (role === undefined) throw new RangeError(`role: unknown built-in role '${input.role}'`);
    const scope = input.scope ?? "/";
    if (!scopePattern.test(scope))
      throw new RangeError(`scope: expected '/' or '/keys/<name>', got '${scope}'`);
    const assignment = { id: randomUUID(), hsm: input.hsm, principalId: input.principalId, role, scope };
    this.#assignments.push(assignment);
    return assignment;
  }

  /** Removes an assignment by id; false when there was none. */
  remove(id: string): boolean {
    const index = this.#assignments.findIndex((assignment) => assignment.id === id);
    if (index !== -1) this.#assignments.splice(index, 1);
    return index !== -1;
  }

  /** Removes every assignment of a principal (all HSMs). */
  removePrincipal(principalId: string): void {
    for (let i = this.#assignments.length - 1; i >= 0; i--)
      if (this.#assignments[i]?.principalId === principalId) this.#assignments.splice(i, 1);
  }

  list(): readonly RoleAssignment[] {
    return this.#assignments;
  }

  /**
   * Allows `action` (a suffix like `/keys/encrypt/action`) on `keyName` (or the HSM as a whole) or
   * throws the service's `403 AccessDenied`. The message names `/keys` for creation, as az CLI outputs show.
   */
  authorize(hsm: string, principalId: string, action: string, keyName: string | undefined): void {
    const allowed = this.#assignments.some(
      (assignment) =>
        assignment.hsm === hsm &&
        assignment.principalId === principalId &&
        assignment.role.dataActions.includes(action) &&
        coversScope(assignment.scope, keyName),
    );
    if (allowed) return;
    const scope = keyName === undefined ? "/" : action === "/keys/create" ? "/keys" : `/keys/${keyName}`;
    throw new ServiceError(
      403,
      "AccessDenied",
      `Not authorized to access ${dataActionPrefix}${action} on '${scope}'`,
    );
  }
}

function coversScope(scope: string, keyName: string | undefined): boolean {
  if (scope === "/") return true;
  if (keyName === undefined) return false;
  return scope === "/keys" || scope === `/keys/${keyName}`;
}
