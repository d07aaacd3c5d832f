import { describe, expect, it } from "vitest";
import { devDefaults } from "../../../src/emulator/index.ts";
import { useEmulator } from "../../helpers/emulator.ts";

const emulator = useEmulator();

describe("admin API", () => {
  it("adds, lists and removes faults, and rejects a bad one naming the field", async () => {
    const added = await emulator.admin("POST", "/faults", {
      kind: "throttle",
      operation: "encrypt",
      count: 3,
    });
    expect(added.status).toBe(201);
    const id = (added.json as { id: string }).id;
    expect((await emulator.admin("GET", "/faults")).json).toMatchObject([
      { id, kind: "throttle", remaining: 3 },
    ]);
    expect((await emulator.admin("DELETE", `/faults/${id}`)).status).toBe(204);
    expect((await emulator.admin("DELETE", `/faults/${id}`)).status).toBe(404);
    const bad = await emulator.admin("POST", "/faults", { kind: "flood" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: { code: "ADMIN_REQUEST_INVALID", message: expect.stringMatching(/^kind: /) },
    });
  });

  it("changes role assignments at run time", async () => {
    const added = await emulator.admin("POST", "/role-assignments", {
      principalId: "55555555-5555-4555-8555-555555555555",
      role: "Managed HSM Crypto Auditor",
      scope: "/keys/audited",
    });
    expect(added.json).toMatchObject({
      hsm: "localhsm",
      scope: "/keys/audited",
      role: { name: "Managed HSM Crypto Auditor" },
    });
    const all = (await emulator.admin("GET", "/role-assignments")).json as { principalId: string }[];
    expect(all.map((assignment) => assignment.principalId)).toContain(devDefaults.objectId);
    expect(
      (await emulator.admin("DELETE", `/role-assignments/${(added.json as { id: string }).id}`)).status,
    ).toBe(204);
  });

  it("creates and updates keys, and moves the clock", async () => {
    const created = await emulator.admin("POST", "/hsms/localhsm/keys/admin-key", { keySize: 128 });
    expect(created.json).toMatchObject({ attributes: { key_size: 128 }, key: { kty: "oct-HSM" } });
    const patched = await emulator.admin("PATCH", "/hsms/localhsm/keys/admin-key", { enabled: false });
    expect(patched.json).toMatchObject({ attributes: { enabled: false } });
    expect((await emulator.admin("GET", "/hsms/localhsm/keys")).json).toContain("admin-key");
    expect((await emulator.admin("POST", "/hsms/nohsm/keys/x")).status).toBe(400);
    const moved = await emulator.admin("POST", "/clock", { advanceSeconds: 60 });
    expect(moved.json).toMatchObject({ offsetSeconds: 60 });
    await emulator.admin("POST", "/clock", { advanceSeconds: -60 });
  });

  it("reports the request log with counts per operation, and clears it", async () => {
    await emulator.admin("DELETE", "/requests");
    const token = await emulator.accessToken();
    const host = "localhsm.managedhsm.azure.net";
    await emulator.raw({ host, method: "GET", path: "/keys/admin-key/?api-version=7.6" });
    await emulator.raw({
      host,
      method: "GET",
      path: "/keys/admin-key/?api-version=7.6",
      headers: { authorization: `Bearer ${token}` },
    });
    const log = (await emulator.admin("GET", "/requests")).json as {
      counts: Record<string, unknown>;
      entries: { operation: string; path: string }[];
    };
    expect(log.counts).toMatchObject({
      token: { total: 1, byStatus: { 200: 1 } },
      getKey: { total: 2, byStatus: { 401: 1, 200: 1 } },
    });
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it("mints dev-issuer assertions and answers unknown routes with 404", async () => {
    const minted = await emulator.admin("POST", "/assertions", { subject: devDefaults.subject });
    expect((minted.json as { token: string }).token.split(".")).toHaveLength(3);
    expect((await emulator.admin("GET", "/nothing")).status).toBe(404);
  });
});
