import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultPlan } from "../../../src/emulator/faults/fault-plan.ts";
import { useEmulator } from "../../helpers/emulator.ts";

describe("FaultPlan", () => {
  it("hits the next N matching requests, then drops the fault", () => {
    const plan = new FaultPlan();
    plan.add({ kind: "unavailable", operation: "encrypt", hsm: "a", count: 2 });
    expect(plan.take("decrypt", "a")).toHaveLength(0);
    expect(plan.take("encrypt", "b")).toHaveLength(0);
    expect(plan.take("encrypt", "a")).toHaveLength(1);
    expect(plan.take("encrypt", "a")).toHaveLength(1);
    expect(plan.take("encrypt", "a")).toHaveLength(0);
    expect(plan.list()).toHaveLength(0);
  });

  it("hits with the given probability", () => {
    const draws = [0.1, 0.9];
    const plan = new FaultPlan(() => draws.shift() ?? 1);
    plan.add({ kind: "reset", probability: 0.5 });
    expect(plan.take("encrypt", undefined)).toHaveLength(1);
    expect(plan.take("encrypt", undefined)).toHaveLength(0);
  });

  it("rejects a bad count with the field named", () => {
    expect(() => new FaultPlan().add({ kind: "reset", count: 0 })).toThrow(/^count: /);
  });
});

describe("faults on the wire", () => {
  const emulator = useEmulator();
  const api = "api%2Dversion=2025-07-01";
  const host = "localhsm.managedhsm.azure.net";
  let token = "";
  const call = (method = "GET", path = `/keys/faulty/?${api}`) =>
    emulator.raw({ host, method, path, headers: { authorization: `Bearer ${token}` } });

  it("serves 429 with Retry-After, 503, a reset, malformed JSON, a wrong kid and added latency", async () => {
    token = await emulator.accessToken();
    await emulator.admin("POST", "/hsms/localhsm/keys/faulty");
    const { faults } = emulator.handle.state;

    faults.add({ kind: "throttle", operation: "getKey", retryAfterSeconds: 7, count: 1 });
    const throttled = await call();
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("7");
    expect(throttled.json).toMatchObject({ error: { code: "Throttled" } });

    faults.add({ kind: "unavailable", hsm: "localhsm", count: 1 });
    expect((await call()).status).toBe(503);

    faults.add({ kind: "reset", count: 1 });
    await expect(call()).rejects.toThrow(/socket hang up|ECONNRESET/);

    faults.add({ kind: "malformed-json", count: 1 });
    const malformed = await call();
    expect(malformed.status).toBe(200);
    expect(malformed.json).toBeUndefined();
    expect(malformed.text.startsWith('{"attributes"')).toBe(true);

    faults.add({ kind: "wrong-kid", count: 1 });
    const wrong = (await call()).json as { key: { kid: string } };
    expect(wrong.key.kid).toContain("/keys/wrong-kid-fault/");

    faults.add({ kind: "latency", latencyMs: 300, count: 1 });
    const started = performance.now();
    expect((await call()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(faults.list()).toHaveLength(0);
  });

  it("throttles the Entra token endpoint with an AADSTS body and Retry-After", async () => {
    emulator.handle.state.faults.add({
      kind: "throttle",
      operation: "token",
      retryAfterSeconds: 2,
      count: 1,
    });
    const response = await emulator.raw({
      host: "login.microsoftonline.com",
      method: "POST",
      path: `/${emulator.handle.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json).toMatchObject({ error: "temporarily_unavailable", error_codes: [90033] });
  });

  describe("on the crypto path (200 with wrong cryptography)", () => {
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const bytes = (text: string | undefined) => Buffer.from(text ?? "", "base64url");
    const plaintext = Buffer.from("0123456789abcdef0123456789abcdef");
    const aad = Buffer.from("aad of the sealed value");
    interface Sealed {
      readonly kid: string;
      readonly value: string;
      readonly iv?: string;
      readonly tag?: string;
    }
    const operate = async (operation: string, body: Record<string, unknown>) => {
      const response = await emulator.raw({
        host,
        method: "POST",
        path: `/keys/crypto-faults//${operation}?${api}`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: response.json as Sealed };
    };
    const seal = async () => {
      const sealed = await operate("encrypt", { alg: "A256GCM", value: b64(plaintext), aad: b64(aad) });
      expect(sealed.status).toBe(200);
      return sealed.json;
    };
    const open = (sealed: Sealed, withAad: Buffer | undefined) =>
      operate("decrypt", {
        alg: "A256GCM",
        value: sealed.value,
        iv: sealed.iv,
        tag: sealed.tag,
        ...(withAad !== undefined && { aad: b64(withAad) }),
      });
    /** Adds a fault the way a test outside the process would: JSON to the admin API. */
    const addFault = async (fault: Record<string, unknown>) => {
      const response = await emulator.admin("POST", "/faults", fault);
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject(fault);
    };

    beforeAll(async () => {
      token = await emulator.accessToken();
      await emulator.admin("POST", "/hsms/localhsm/keys/crypto-faults", {
        keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
      });

      afterEach(async () => {
        await emulator.admin("DELETE", "/faults");
      });
    });

    it("ignore-aad: decrypt with altered or missing AAD gives the plaintext back, then refuses again", async () => {
      const sealed = await seal();
      const altered = Buffer.from(aad);
      altered[0] = (altered[0] ?? 0) ^ 0x01;
      await addFault({ kind: "ignore-aad", operation: "decrypt", hsm: "localhsm", count: 2 });
      for (const withAad of [altered, undefined]) {
        const opened = await open(sealed, withAad);
        expect(opened.status).toBe(200);
        expect(bytes(opened.json.value)).toEqual(plaintext);
      }
      expect((await open(sealed, altered)).status).toBe(400);
      expect(bytes((await open(sealed, aad)).json.value)).toEqual(plaintext);
    });

    it("corrupt-plaintext: decrypt and unwrapKey return their plaintext with the first bit flipped", async () => {
      const sealed = await seal();
      const wrapped = await operate("wrapKey", { alg: "A256KW", value: b64(plaintext) });
      expect(wrapped.status).toBe(200);
      await addFault({ kind: "corrupt-plaintext", operation: "decrypt", count: 1 });
      await addFault({ kind: "corrupt-plaintext", operation: "unwrapKey", count: 1 });
      const flipped = Buffer.from(plaintext);
      flipped[0] = (flipped[0] ?? 0) ^ 0x80;
      const opened = await open(sealed, aad);
      expect(opened.status).toBe(200);
      expect(bytes(opened.json.value)).toEqual(flipped);
      const unwrapped = await operate("unwrapKey", { alg: "A256KW", value: wrapped.json.value });
      expect(unwrapped.status).toBe(200);
      expect(bytes(unwrapped.json.value)).toEqual(flipped);
      expect(bytes((await open(sealed, aad)).json.value)).toEqual(plaintext);
    });

    it("truncate-plaintext: decrypt returns its plaintext without the last byte", async () => {
      const sealed = await seal();
      await addFault({ kind: "truncate-plaintext", operation: "decrypt", count: 1 });
      const opened = await open(sealed, aad);
      expect(opened.status).toBe(200);
      expect(bytes(opened.json.value)).toEqual(plaintext.subarray(0, plaintext.length - 1));
      expect(bytes((await open(sealed, aad)).json.value)).toEqual(plaintext);
    });

    it("short-iv: encrypt returns 8 of its 12 IV bytes, with the real ciphertext and tag", async () => {
      await addFault({ kind: "short-iv", operation: "encrypt", count: 1 });
      const sealed = await seal();
      expect(bytes(sealed.iv)).toHaveLength(8);
      expect(bytes(sealed.tag)).toHaveLength(16);
      expect(bytes(sealed.value)).toHaveLength(plaintext.length);
      // The service refuses its own short IV, as it refuses any IV that is not 12 bytes.
      expect((await open(sealed, aad)).status).toBe(400);
      expect(bytes((await seal()).iv)).toHaveLength(12);
    });

    it("leaves operations they do not name alone (a fault on encrypt does not touch decrypt)", async () => {
      const sealed = await seal();
      await addFault({ kind: "corrupt-plaintext", operation: "encrypt" });
      await addFault({ kind: "short-iv", operation: "decrypt" });
      expect(bytes((await open(sealed, aad)).json.value)).toEqual(plaintext);
      expect(bytes((await seal()).iv)).toHaveLength(12);
    });
  });

  it("never spends a fault on the body-less challenge request", async () => {
    emulator.handle.state.faults.add({ kind: "unavailable", count: 1 });
    const challenge = await emulator.raw({ host, method: "GET", path: `/keys/faulty/?${api}` });
    expect(challenge.status).toBe(401);
    expect((await call()).status).toBe(503);
  });
});
