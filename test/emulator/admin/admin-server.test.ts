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

  it("adds a federated credential at run time, so a new subject's token is exchanged", async () => {
    const subject = "system:serviceaccount:later:added";
    const token = await emulator.scratchFile("later-token", emulator.handle.mintAssertion({ subject }));
    await emulator.admin("POST", "/hsms/localhsm/keys/federated-later");
    const env = { AZURE_FEDERATED_TOKEN_FILE: token };
    // Before: Entra refuses the subject; the SDK client reports the AADSTS error.
    const before = await emulator.runSdk("encrypt", "federated-later", env);
    expect(JSON.stringify(before)).toContain("AADSTS700213");
    const added = await emulator.admin("POST", `/clients/${devDefaults.clientId}/federated-credentials`, {
      issuer: "dev",
      subject,
    });
    expect(added.status).toBe(201);
    expect(await emulator.runSdk("encrypt", "federated-later", env)).toMatchObject({
      kid: expect.any(String),
    });
    const unknownClient = await emulator.admin("POST", "/clients/nobody/federated-credentials", {
      issuer: "dev",
      subject,
    });
    expect(unknownClient.status).toBe(404);
    const untrusted = await emulator.admin("POST", `/clients/${devDefaults.clientId}/federated-credentials`, {
      issuer: "https://untrusted.example",
      subject,
    });
    expect(untrusted).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining("not a trusted issuer") } },
    });
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

describe("admin API access", () => {
  const faultCount = async () => ((await emulator.admin("GET", "/faults")).json as unknown[]).length;

  it.each([
    ["no token", { authorization: "" }, 401],
    ["a wrong token", { authorization: "Bearer not-the-token" }, 401],
    ["a foreign Host (DNS rebinding)", { host: "evil.example:80" }, 403],
    ["a foreign Origin (a web page)", { origin: "https://evil.example" }, 403],
    ["a null Origin", { origin: "null" }, 403],
    ["JSON sent as text/plain (a simple CORS request)", { "content-type": "text/plain" }, 415],
    ["a form body", { "content-type": "application/x-www-form-urlencoded" }, 415],
  ])("refuses %s, and mints nothing", async (_, headers, status) => {
    const before = (await emulator.admin("GET", "/requests")).status;
    expect(before).toBe(200);
    const faultsBefore = await faultCount();
    const minted = await emulator.admin("POST", "/assertions", { subject: devDefaults.subject }, headers);
    expect(minted.status).toBe(status);
    expect(minted.text).not.toMatch(/eyJ/);
    expect(minted.json).toMatchObject({ error: { code: "ADMIN_ACCESS_DENIED" } });
    const fault = await emulator.admin("POST", "/faults", { kind: "reset" }, headers);
    expect(fault.status).toBe(status);
    expect(await faultCount()).toBe(faultsBefore);
  });

  it("refuses a form POST even with an empty body, creating nothing", async () => {
    const form = await emulator.admin("POST", "/hsms/localhsm/keys/form-key", undefined, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    expect((await emulator.admin("GET", "/hsms/localhsm/keys")).json).not.toContain("form-key");
  });

  it("accepts its own origin and localhost as Host", async () => {
    const port = new URL(emulator.handle.adminUrl).port;
    const own = await emulator.admin("GET", "/clock", undefined, { origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
    const local = await emulator.admin("GET", "/clock", undefined, { host: `localhost:${port}` });
    expect(local.status).toBe(200);
    const charset = await emulator.admin(
      "POST",
      "/clock",
      { advanceSeconds: 0 },
      {
        "content-type": "application/json; charset=utf-8",
      },
    );
    expect(charset.status).toBe(200);
  });

  it("answers 413 to a body over 1 MiB", async () => {
    const big = await emulator.admin("POST", "/faults", { kind: "reset", operation: "x".repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ error: { code: "ADMIN_REQUEST_TOO_LARGE" } });
    expect((await emulator.admin("GET", "/clock")).status).toBe(200);
  });
});

describe("admin API validates before it changes anything", () => {
  it.each([
    [{ advanceSeconds: 1e300 }, /emulator time must stay within/],
    [{ advanceSeconds: -1e12 }, /emulator time must stay within/],
    [{ now: "+275760-09-13T00:00:00.000Z" }, /now/],
    [{ now: "yesterday" }, /now/],
    [{ advanceSeconds: "60" }, /advanceSeconds|body/],
    [{ advanceSeconds: 60, now: "2030-01-01T00:00:00Z" }, /./],
    [{}, /./],
  ])("POST /clock %j answers 400 and leaves the clock alone", async (body, message) => {
    const before = (await emulator.admin("GET", "/clock")).json as { offsetSeconds: number };
    const answer = await emulator.admin("POST", "/clock", body);
    expect(answer.status).toBe(400);
    expect((answer.json as { error: { message: string } }).error.message).toMatch(message);
    const after = (await emulator.admin("GET", "/clock")).json as { offsetSeconds: number };
    expect(after.offsetSeconds).toBe(before.offsetSeconds);
    // The emulated services still answer (they format the clock's time on every request).
    const token = await emulator.accessToken();
    expect(token.split(".")).toHaveLength(3);
  });

  it("sets the clock to an instant", async () => {
    const set = await emulator.admin("POST", "/clock", { now: "2030-01-01T00:00:00Z" });
    expect(set.json).toMatchObject({ now: expect.stringMatching(/^2030-01-01T00:00:0/) });
    const offset = ((await emulator.admin("GET", "/clock")).json as { offsetSeconds: number }).offsetSeconds;
    await emulator.admin("POST", "/clock", { advanceSeconds: -offset });
  });

  it("refuses a role assignment on an unknown HSM without adding it", async () => {
    const before = ((await emulator.admin("GET", "/role-assignments")).json as unknown[]).length;
    const answer = await emulator.admin("POST", "/role-assignments", {
      hsm: "nohsm",
      principalId: "55555555-5555-4555-8555-555555555555",
      role: "Managed HSM Crypto User",
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { message: "hsm: no HSM named 'nohsm'" } });
    expect((await emulator.admin("GET", "/role-assignments")).json).toHaveLength(before);
  });

  it("refuses a key patch with a field that cannot change, changing nothing", async () => {
    await emulator.admin("POST", "/hsms/localhsm/keys/patched-key", {});
    const answer = await emulator.admin("PATCH", "/hsms/localhsm/keys/patched-key", {
      enabled: false,
      kty: "RSA",
    });
    expect(answer.status).toBe(400);
    const keys = await emulator.admin("POST", "/hsms/localhsm/keys/patched-key", {});
    expect(keys.json).toMatchObject({ attributes: { enabled: true } });
  });

  it.each([
    ["a non-object body", "null"],
    ["an array body", "[1]"],
    ["malformed JSON", "{"],
  ])("answers 400 to %s", async (_, body) => {
    const before = ((await emulator.admin("GET", "/hsms/localhsm/keys")).json as string[]).length;
    const answer = await emulator.admin("POST", "/hsms/localhsm/keys/from-null", body);
    expect(answer.status).toBe(400);
    expect((await emulator.admin("GET", "/hsms/localhsm/keys")).json).toHaveLength(before);
  });

  it.each([
    [{ subject: devDefaults.subject, lifetimeSeconds: 1e300 }],
    [{ subject: devDefaults.subject, lifetimeSeconds: 1.5 }],
    [{ subject: "" }],
    [{ subject: devDefaults.subject, extra: true }],
  ])("refuses to mint %j", async (body) => {
    const answer = await emulator.admin("POST", "/assertions", body);
    expect(answer.status).toBe(400);
    expect(answer.text).not.toMatch(/eyJ/);
  });

  it("refuses a fault for an HSM that does not exist (it would never fire)", async () => {
    const answer = await emulator.admin("POST", "/faults", { kind: "throttle", hsm: "nohsm" });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { message: "hsm: no HSM named 'nohsm'" } });
    expect((await emulator.admin("GET", "/faults")).json).toEqual([]);
  });

  it("refuses a latency setTimeout cannot honour", async () => {
    const answer = await emulator.admin("POST", "/faults", { kind: "latency", latencyMs: 2 ** 31 });
    expect(answer.status).toBe(400);
    expect((await emulator.admin("GET", "/faults")).json).toEqual([]);
  });
});
