// Raw HTTPS through the proxy: the exact wire details of the Managed HSM data plane (wire spec §2-§4, §7).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../../../src/emulator/entra/jwt.ts";
import { type RawResponse, useEmulator } from "../../helpers/emulator.ts";

const emulator = useEmulator();
const host = "localhsm.managedhsm.azure.net";
const api = "api%2Dversion=2025-07-01";
let token = "";

beforeAll(async () => {
  token = await emulator.accessToken();
});

function hsm(method: string, path: string, body?: unknown, bearer = token): Promise<RawResponse> {
  return emulator.raw({
    host,
    method,
    path,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const b64 = (text: string) => Buffer.from(text).toString("base64url");
type Json = Record<string, string>;

/** An access token the emulator itself signed, with `claims` changed (a key deleted when `undefined`). */
function signedToken(claims: Record<string, unknown>): string {
  const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Json;
  const { directory } = emulator.handle.state;
  const merged = Object.fromEntries(
    Object.entries({ ...payload, ...claims }).filter(([, value]) => value !== undefined),
  );
  return signJwt(merged, directory.signingKey, directory.signingKeyId);
}

async function createKey(name: string, body: unknown = { kty: "oct-HSM", attributes: {} }) {
  const response = await hsm("POST", `/keys/${name}/create?${api}`, body);
  expect(response.status).toBe(200);
  return response.json as { key: { kid: string }; attributes: Record<string, unknown> };
}

describe("challenge", () => {
  it("answers a body-less POST without Authorization with the exact 401 challenge and an empty body", async () => {
    const response = await emulator.raw({
      host,
      method: "POST",
      path: `/keys/k/create?${api}`,
      headers: { "content-type": "application/json", "content-length": "0" },
    });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${emulator.handle.env.AZURE_TENANT_ID}", resource="https://managedhsm.azure.net"`,
    );
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["content-length"]).toBe("0");
    expect(response.text).toBe("");
  });

  it("answers a GET without Authorization with body OK", async () => {
    const response = await emulator.raw({ host, method: "GET", path: `/keys/k/?${api}` });
    expect(response.status).toBe(401);
    expect(response.text).toBe("OK");
    expect(response.headers["content-length"]).toBe("2");
  });

  it("carries the captured challenge headers: security headers, request id, latency, no region", async () => {
    const response = await emulator.raw({
      host,
      method: "POST",
      path: `/keys/k/create?${api}`,
      headers: { "content-type": "application/json", "content-length": "0" },
    });
    expect(response.headers).toMatchObject({
      "cache-control": "no-cache",
      "content-security-policy": "default-src 'self'",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "x-ms-request-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      "x-ms-server-latency": expect.stringMatching(/^\d+$/),
    });
    expect(response.headers["x-ms-keyvault-region"]).toBeUndefined();
    expect(response.headers["x-ms-build-version"]).toBeUndefined();
  });

  it("adds x-ms-build-version to a GET challenge", async () => {
    const response = await emulator.raw({ host, method: "GET", path: `/keys/k/?${api}` });
    expect(response.headers["x-ms-build-version"]).toMatch(/^\S+$/);
  });

  it("answers a PUT and a DELETE without Authorization with the challenge and an empty body", async () => {
    for (const method of ["PUT", "DELETE"]) {
      const response = await emulator.raw({ host, method, path: `/keys/k?${api}` });
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toContain('resource="https://managedhsm.azure.net"');
      expect(response.headers["content-length"]).toBe("0");
    }
  });

  it("rejects a validly signed token for another audience with 401 Unauthorized naming both audiences", async () => {
    const response = await hsm(
      "GET",
      `/keys/k/?${api}`,
      undefined,
      signedToken({ aud: "https://vault.azure.net" }),
    );
    expect(response.status).toBe(401);
    expect(response.json).toEqual({
      error: {
        code: "Unauthorized",
        message: `Found token with aud=https://vault.azure.net, but expected aud=https://managedhsm.azure.net. (Activity ID: ${response.headers["x-ms-request-id"]})`,
      },
    });
    expect(response.headers["www-authenticate"]).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${emulator.handle.env.AZURE_TENANT_ID}", resource="https://managedhsm.azure.net"`,
    );
  });

  it("answers an expired token with the bare challenge, as for no token (empty for POST, OK for GET)", async () => {
    const expired = signedToken({ exp: Math.floor(Date.now() / 1000) - 60 });
    const post = await hsm("POST", `/keys/k//encrypt?${api}`, { alg: "A256GCM", value: b64("x") }, expired);
    expect(post.status).toBe(401);
    expect(post.text).toBe("");
    expect(post.headers["www-authenticate"]).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${emulator.handle.env.AZURE_TENANT_ID}", resource="https://managedhsm.azure.net"`,
    );
    const get = await hsm("GET", `/keys/k/?${api}`, undefined, expired);
    expect({ status: get.status, text: get.text }).toEqual({ status: 401, text: "OK" });
  });

  it("rejects a validly signed token without aud with 401 Unauthorized", async () => {
    const response = await hsm("GET", `/keys/k/?${api}`, undefined, signedToken({ aud: undefined }));
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: { code: "Unauthorized" } });
  });

  it("rejects a token whose payload was altered (bad signature) with 401 Unauthorized and the challenge", async () => {
    const [header, , signature] = token.split(".");
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Json;
    const tampered = `${header}.${b64(JSON.stringify({ ...payload, aud: "https://vault.azure.net" }))}.${signature}`;
    const response = await hsm("GET", `/keys/k/?${api}`, undefined, tampered);
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: { code: "Unauthorized" } });
    expect(response.headers["www-authenticate"]).toContain('resource="https://managedhsm.azure.net"');
  });
});

describe("request and response shapes", () => {
  it("accepts api%2Dversion and plain api-version, and refuses a request without one", async () => {
    await createKey("shape-key");
    expect((await hsm("GET", `/keys/shape-key?${api}`)).status).toBe(200);
    expect((await hsm("GET", "/keys/shape-key?api-version=7.4")).status).toBe(200);
    const missing = await hsm("GET", "/keys/shape-key");
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { code: "BadParameter" } });
  });

  it("accepts every api-version of the SDKs and real captures, 7.2 to 2025-07-01 with previews", async () => {
    await createKey("version-key");
    for (const version of [
      "7.2",
      "7.3-preview",
      "7.3",
      "7.4-preview.1",
      "7.4",
      "7.5-preview.1",
      "7.5",
      "7.6-preview.1",
      "7.6-preview.2",
      "7.6",
      "2025-07-01",
    ])
      expect((await hsm("GET", `/keys/version-key?api%2Dversion=${version}`)).status, version).toBe(200);
  });

  it("refuses an unknown api-version with 400 BadParameter naming it", async () => {
    const response = await hsm("GET", "/keys/version-key?api-version=7.9");
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: {
        code: "BadParameter",
        message: `The specified version (7.9) is not recognized. Consider using the latest supported version (2025-07-01). (Activity ID: ${response.headers["x-ms-request-id"]})`,
      },
    });
  });

  it("serves JSON as application/json; charset=utf-8 with the security headers, region, request id and latency", async () => {
    const response = await hsm("POST", `/rng?${api}`, { count: 4 });
    expect(response.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": "default-src 'self'",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "x-ms-keyvault-region": expect.any(String),
      "x-ms-request-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      "x-ms-server-latency": expect.stringMatching(/^\d+$/),
      "content-length": String(Buffer.byteLength(response.text)),
    });
  });

  it("answers an unknown route with 404 in the error envelope", async () => {
    const response = await hsm("GET", `/secrets/s?${api}`);
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ error: { code: "NotFound", message: expect.any(String) } });
  });

  it("creates an oct-HSM key without key_size as 256 bits", async () => {
    const { attributes } = await createKey("default-size-key");
    expect(attributes.key_size).toBe(256);
  });

  it("returns a KeyBundle with sorted keys, no k, a 32-hex versioned kid and Unix-second times", async () => {
    const created = await hsm("POST", `/keys/bundle-key/create?${api}`, {
      kty: "AES",
      key_size: 256,
      attributes: {},
    });
    const bundle = created.json as { attributes: Record<string, unknown>; key: Record<string, unknown> };
    expect(Object.keys(bundle)).toEqual(["attributes", "key"]);
    expect(Object.keys(bundle.attributes)).toEqual([
      "created",
      "enabled",
      "exportable",
      "key_size",
      "recoverableDays",
      "recoveryLevel",
      "updated",
    ]);
    expect(bundle.attributes).toMatchObject({
      enabled: true,
      exportable: false,
      key_size: 256,
      recoverableDays: 7,
      recoveryLevel: "CustomizedRecoverable+Purgeable",
    });
    expect(Math.abs((bundle.attributes.created as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(bundle.key).toEqual({
      key_ops: ["deriveKey", "wrapKey", "verify", "sign", "unwrapKey", "encrypt", "decrypt"],
      kid: expect.stringMatching(
        /^https:\/\/localhsm\.managedhsm\.azure\.net\/keys\/bundle-key\/[0-9a-f]{32}$/,
      ),
      kty: "oct-HSM",
    });
    expect(created.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers["x-ms-keyvault-region"]).toBeDefined();
    expect(created.headers["x-ms-server-latency"]).toMatch(/^\d+$/);
    const trailing = await hsm("GET", `/keys/bundle-key/?${api}`);
    expect(trailing.json).toEqual(bundle);
  });

  it("encrypts A256GCM with a 12-byte service IV, 16-byte tag, unpadded base64url and no aad echo", async () => {
    const { key } = await createKey("gcm-key");
    const response = await hsm("POST", `/keys/gcm-key//encrypt?${api}`, {
      alg: "A256GCM",
      value: b64("hello, hsm"),
    });
    expect(response.status).toBe(200);
    const result = response.json as Json;
    expect(Object.keys(result)).toEqual(["alg", "iv", "kid", "tag", "value"]);
    expect(result.kid).toBe(key.kid);
    expect(result.iv).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(result.tag).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(result.value ?? "", "base64url").length).toBe("hello, hsm".length);
    expect(response.text).not.toContain("=");
  });

  it("ignores a client iv on A256GCM encrypt and returns a fresh 12-byte service iv", async () => {
    await createKey("client-iv-key");
    const clientIv = b64("000000000000");
    const response = await hsm("POST", `/keys/client-iv-key//encrypt?${api}`, {
      alg: "A256GCM",
      value: b64("x"),
      iv: clientIv,
    });
    expect(response.status).toBe(200);
    const { iv } = response.json as Json;
    expect(iv).not.toBe(clientIv);
    expect(Buffer.from(iv ?? "", "base64url")).toHaveLength(12);
  });

  it("serves /{v}/encrypt on that version and /encrypt, //encrypt on the latest, always with a versioned kid", async () => {
    const first = (await createKey("routed-key")).key.kid;
    const latest = ((await hsm("POST", `/keys/routed-key/rotate?${api}`)).json as { key: Json }).key.kid;
    const encrypt = async (path: string) =>
      ((await hsm("POST", `${path}?${api}`, { alg: "A256GCM", value: b64("x") })).json as Json).kid;
    expect(await encrypt(`/keys/routed-key/${first.split("/").pop()}/encrypt`)).toBe(first);
    expect(await encrypt("/keys/routed-key/encrypt")).toBe(latest);
    expect(await encrypt("/keys/routed-key//encrypt")).toBe(latest);
  });

  it("echoes aad on encrypt only, and decrypts to alg, kid, value", async () => {
    await createKey("aad-key");
    const sealed = (
      await hsm("POST", `/keys/aad-key/encrypt?${api}`, { alg: "A256GCM", value: b64("x"), aad: "dGVzdA" })
    ).json as Json;
    expect(Object.keys(sealed)).toEqual(["aad", "alg", "iv", "kid", "tag", "value"]);
    expect(sealed.aad).toBe("dGVzdA");
    const opened = await hsm("POST", `/keys/aad-key/decrypt?${api}`, {
      alg: "A256GCM",
      value: sealed.value,
      iv: sealed.iv,
      aad: "dGVzdA",
      tag: sealed.tag,
    });
    expect(Object.keys(opened.json as Json)).toEqual(["alg", "kid", "value"]);
    expect((opened.json as Json).value).toBe(b64("x"));
  });

  it("does real AES-256-GCM: a service ciphertext of an imported key opens with node:crypto", async () => {
    const secret = randomBytes(32);
    const imported = await hsm("PUT", `/keys/imported-key?${api}`, {
      Hsm: true,
      key: {
        kty: "oct-HSM",
        k: secret.toString("base64url"),
        key_ops: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
      },
    });
    expect(imported.status).toBe(200);
    expect(JSON.stringify(imported.json)).not.toContain(secret.toString("base64url"));
    const aad = Buffer.from("context");
    const sealed = (
      await hsm("POST", `/keys/imported-key//encrypt?${api}`, {
        alg: "A256GCM",
        value: b64("secret message"),
        aad: aad.toString("base64url"),
      })
    ).json as Json;
    const decipher = createDecipheriv("aes-256-gcm", secret, Buffer.from(sealed.iv ?? "", "base64url"));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(sealed.tag ?? "", "base64url"));
    const opened = Buffer.concat([
      decipher.update(Buffer.from(sealed.value ?? "", "base64url")),
      decipher.final(),
    ]);
    expect(opened.toString()).toBe("secret message");

    const wrapped = (
      await hsm("POST", `/keys/imported-key//wrapkey?${api}`, {
        alg: "A256KW",
        value: b64("0123456789abcdef0123456789abcdef"),
      })
    ).json as Json;
    const local = createCipheriv("id-aes256-wrap", secret, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
    const expected = Buffer.concat([local.update("0123456789abcdef0123456789abcdef"), local.final()]);
    expect(wrapped.value).toBe(expected.toString("base64url"));
    const unwrapped = (
      await hsm("POST", `/keys/imported-key//unwrapkey?${api}`, { alg: "A256KW", value: wrapped.value })
    ).json as Json;
    expect(unwrapped.value).toBe(b64("0123456789abcdef0123456789abcdef"));
  });

  it("does AES-CBC(PAD): echoes a client iv, makes a 16-byte one when none is sent, and opens with node:crypto", async () => {
    const secret = randomBytes(32);
    await hsm("PUT", `/keys/cbc-key?${api}`, {
      Hsm: true,
      key: { kty: "oct-HSM", k: secret.toString("base64url") },
    });
    const clientIv = randomBytes(16).toString("base64url");
    const echoed = await hsm("POST", `/keys/cbc-key//encrypt?${api}`, {
      alg: "A256CBC",
      value: b64("sixteen byte msg"),
      iv: clientIv,
    });
    expect(Object.keys(echoed.json as Json)).toEqual(["alg", "iv", "kid", "value"]);
    expect((echoed.json as Json).iv).toBe(clientIv);
    const padded = (
      await hsm("POST", `/keys/cbc-key//encrypt?${api}`, { alg: "A256CBCPAD", value: b64("odd") })
    ).json as Json;
    const iv = Buffer.from(padded.iv ?? "", "base64url");
    expect(iv).toHaveLength(16);
    const decipher = createDecipheriv("aes-256-cbc", secret, iv);
    const opened = Buffer.concat([
      decipher.update(Buffer.from(padded.value ?? "", "base64url")),
      decipher.final(),
    ]);
    expect(opened.toString()).toBe("odd");
    const decrypted = await hsm("POST", `/keys/cbc-key//decrypt?${api}`, {
      alg: "A256CBCPAD",
      value: padded.value,
      iv: padded.iv,
    });
    expect(decrypted.json).toEqual({ alg: "A256CBCPAD", kid: padded.kid, value: b64("odd") });
    const unpadded = await hsm("POST", `/keys/cbc-key//encrypt?${api}`, {
      alg: "A256CBC",
      value: b64("odd"),
    });
    expect(unpadded.status).toBe(400);
    expect(unpadded.json).toMatchObject({ error: { code: "BadParameter" } });
  });

  it("fails decryption with a tampered tag, IV or AAD as 400 BadParameter, and accepts a zero-padded 16-byte IV", async () => {
    await createKey("tamper-key");
    const sealed = (
      await hsm("POST", `/keys/tamper-key//encrypt?${api}`, { alg: "A256GCM", value: b64("data"), aad: "YQ" })
    ).json as Json;
    const flip = (text: string) => {
      const bytes = Buffer.from(text, "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString("base64url");
    };
    const decrypt = (fields: Json) =>
      hsm("POST", `/keys/tamper-key//decrypt?${api}`, {
        alg: "A256GCM",
        value: sealed.value,
        iv: sealed.iv,
        aad: "YQ",
        tag: sealed.tag,
        ...fields,
      });
    for (const tampered of [{ tag: flip(sealed.tag ?? "") }, { iv: flip(sealed.iv ?? "") }, { aad: "Yg" }]) {
      const response = await decrypt(tampered);
      expect(response.status).toBe(400);
      const error = (response.json as { error: Json }).error;
      expect(error.code).toBe("BadParameter");
      expect(error.message).toBe(
        `Decryption failed: the ciphertext, iv, tag or aad does not authenticate (Activity ID: ${response.headers["x-ms-request-id"]})`,
      );
    }
    const padded = Buffer.concat([Buffer.from(sealed.iv ?? "", "base64url"), Buffer.alloc(4)]).toString(
      "base64url",
    );
    expect((await decrypt({ iv: padded })).status).toBe(200);
  });
});

describe("key rules", () => {
  it("refuses A256GCM on an RSA-HSM key and on a 128-bit oct-HSM key", async () => {
    await createKey("rsa-key", { kty: "RSA-HSM", attributes: {} });
    await createKey("small-key", { kty: "oct-HSM", key_size: 128, attributes: {} });
    for (const name of ["rsa-key", "small-key"]) {
      const response = await hsm("POST", `/keys/${name}//encrypt?${api}`, {
        alg: "A256GCM",
        value: b64("x"),
      });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: { code: "BadParameter" } });
    }
    const rsa = (await hsm("GET", `/keys/rsa-key?${api}`)).json as { key: Json };
    expect(rsa.key.kty).toBe("RSA-HSM");
    expect(rsa.key.n).toMatch(/^[A-Za-z0-9_-]{342}$/);
  });

  it("round-trips RSA-OAEP-256 on an RSA-HSM key", async () => {
    await createKey("oaep-key", { kty: "RSA", key_size: 2048 });
    const sealed = (
      await hsm("POST", `/keys/oaep-key//encrypt?${api}`, { alg: "RSA-OAEP-256", value: b64("dek") })
    ).json as Json;
    expect(Buffer.from(sealed.value ?? "", "base64url")).toHaveLength(256);
    const opened = (
      await hsm("POST", `/keys/oaep-key//decrypt?${api}`, { alg: "RSA-OAEP-256", value: sealed.value })
    ).json as Json;
    expect(opened.value).toBe(b64("dek"));
  });

  it("enforces key_ops, nbf and enabled on the service side with 403 Forbidden", async () => {
    const now = Math.floor(Date.now() / 1000);
    await createKey("ops-key", { kty: "oct-HSM", key_ops: ["decrypt"], attributes: {} });
    await createKey("future-key", { kty: "oct-HSM", attributes: { nbf: now + 3600 } });
    await createKey("off-key", { kty: "oct-HSM", attributes: { enabled: false } });
    for (const [name, why] of [
      ["ops-key", "key_ops"],
      ["future-key", "not yet valid"],
      ["off-key", "disabled"],
    ] as const) {
      const response = await hsm("POST", `/keys/${name}//encrypt?${api}`, {
        alg: "A256GCM",
        value: b64("x"),
      });
      expect(response.status).toBe(403);
      expect(response.json).toMatchObject({
        error: { code: "Forbidden", message: expect.stringContaining(why) },
      });
    }
    const enabled = await hsm("PATCH", `/keys/off-key/?${api}`, { attributes: { enabled: true } });
    expect(enabled.json).toMatchObject({ attributes: { enabled: true } });
    expect(
      (await hsm("POST", `/keys/off-key//encrypt?${api}`, { alg: "A256GCM", value: b64("x") })).status,
    ).toBe(200);
  });

  it("answers 404 KeyNotFound for an unknown key or version", async () => {
    const response = await hsm("GET", `/keys/no-such-key/?${api}`);
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({
      error: { code: "KeyNotFound", message: expect.stringContaining("no-such-key") },
    });
    await createKey("versioned-key");
    expect((await hsm("GET", `/keys/versioned-key/${"0".repeat(32)}?${api}`)).status).toBe(404);
  });

  it("lists versions and rotates", async () => {
    await createKey("rotating-key");
    const rotated = await hsm("POST", `/keys/rotating-key/rotate?${api}`);
    expect(rotated.status).toBe(200);
    const versions = (await hsm("GET", `/keys/rotating-key/versions?${api}`)).json as {
      value: Json[];
      nextLink: unknown;
    };
    expect(versions.nextLink).toBeNull();
    expect(versions.value).toHaveLength(2);
    expect(versions.value.map((item) => item.kid)).toContain((rotated.json as { key: Json }).key.kid);
  });

  it("asks for keys/rotate/action to rotate a key", async () => {
    await createKey("rbac-rotate-key");
    const { roles, directory } = emulator.handle.state;
    const principalId = directory.clients.values().next().value?.objectId ?? "";
    roles.removePrincipal(principalId);
    roles.add({ hsm: "localhsm", principalId, role: "Managed HSM Crypto Auditor" });
    try {
      const response = await hsm("POST", `/keys/rbac-rotate-key/rotate?${api}`);
      expect(response.status).toBe(403);
      expect(response.json).toEqual({
        error: {
          code: "AccessDenied",
          message: `Not authorized to access Microsoft.KeyVault/managedHsm/keys/rotate/action on '/keys/rbac-rotate-key' (Activity ID: ${response.headers["x-ms-request-id"]})`,
        },
      });
    } finally {
      roles.removePrincipal(principalId);
      roles.add({ hsm: "localhsm", principalId, role: "Managed HSM Crypto User" });
    }
  });

  it("deletes, refuses the name while deleted, recovers, and purges", async () => {
    await createKey("doomed-key");
    const deleted = await hsm("DELETE", `/keys/doomed-key?${api}`);
    expect(deleted.status).toBe(200);
    const bundle = deleted.json as {
      attributes: Record<string, unknown>;
      recoveryId: string;
      scheduledPurgeDate: number;
      deletedDate: number;
    };
    expect(bundle.recoveryId).toBe(`https://${host}/deletedkeys/doomed-key`);
    expect(bundle.scheduledPurgeDate - bundle.deletedDate).toBe(7 * 86_400);
    expect(bundle.attributes.key_size).toBeUndefined();
    expect((await hsm("GET", `/keys/doomed-key/?${api}`)).status).toBe(404);
    expect((await hsm("POST", `/keys/doomed-key/create?${api}`, { kty: "oct-HSM" })).json).toMatchObject({
      error: { code: "Conflict" },
    });
    expect((await hsm("GET", `/deletedkeys/doomed-key?${api}`)).status).toBe(200);
    // Crypto User may not recover or purge; the Crypto Officer may.
    expect((await hsm("POST", `/deletedkeys/doomed-key/recover?${api}`)).json).toMatchObject({
      error: { code: "AccessDenied", message: expect.stringContaining("keys/deletedKeys/recover/action") },
    });
    const assignment = emulator.handle.state.roles.add({
      hsm: "localhsm",
      principalId: emulator.handle.state.directory.clients.values().next().value?.objectId ?? "",
      role: "Managed HSM Crypto Officer",
    });
    try {
      expect((await hsm("POST", `/deletedkeys/doomed-key/recover?${api}`)).status).toBe(200);
      expect((await hsm("GET", `/keys/doomed-key/?${api}`)).status).toBe(200);
      await hsm("DELETE", `/keys/doomed-key?${api}`);
      const purged = await hsm("DELETE", `/deletedkeys/doomed-key?${api}`);
      expect(purged.status).toBe(204);
      expect((await hsm("GET", `/deletedkeys/doomed-key?${api}`)).status).toBe(404);
    } finally {
      emulator.handle.state.roles.remove(assignment.id);
    }
  });

  it("serves /rng for 1..128 bytes and the service's BadParameter otherwise", async () => {
    const ok = await hsm("POST", `/rng?${api}`, { count: 32 });
    expect(Buffer.from((ok.json as Json).value ?? "", "base64url")).toHaveLength(32);
    const tooMany = await hsm("POST", `/rng?${api}`, { count: 129 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({
      error: {
        code: "BadParameter",
        message: `GetRandomBytesRequest: count cannot be greater than 128 or less than 1 (Activity ID: ${tooMany.headers["x-ms-request-id"]})`,
      },
    });
  });
});

describe("what the Python SDK (azure-keyvault-keys 4.12) reads", () => {
  it("accepts api-version 2026-01-01-preview, the Python SDK's default", async () => {
    await createKey("python-preview-key");
    const got = await hsm("GET", "/keys/python-preview-key/?api-version=2026-01-01-preview");
    expect(got.status).toBe(200);
  });

  it("lists deleted keys at GET /deletedkeys in the paged shape, with recovery fields", async () => {
    await createKey("listed-deleted-key");
    await hsm("DELETE", `/keys/listed-deleted-key?${api}`);
    const listed = await hsm("GET", `/deletedkeys?${api}`);
    expect(listed.status).toBe(200);
    const page = listed.json as { value: Record<string, unknown>[]; nextLink: unknown };
    expect(page.nextLink).toBeNull();
    const item = page.value.find((entry) => entry.kid === `https://${host}/keys/listed-deleted-key`);
    expect(item).toMatchObject({
      recoveryId: `https://${host}/deletedkeys/listed-deleted-key`,
      deletedDate: expect.any(Number),
      scheduledPurgeDate: expect.any(Number),
      attributes: { enabled: true, recoveryLevel: "CustomizedRecoverable+Purgeable" },
    });
    expect(item?.key).toBeUndefined();
    // A live key is not listed.
    expect(page.value.some((entry) => entry.kid === `https://${host}/keys/python-preview-key`)).toBe(false);
  });

  it("serves GET /keys/{name}/rotationpolicy as a policy, not as a key version", async () => {
    await createKey("policy-key");
    const policy = await hsm("GET", `/keys/policy-key/rotationpolicy?${api}`);
    expect(policy.status).toBe(200);
    expect(policy.json).toEqual({
      id: `https://${host}/keys/policy-key/rotationpolicy`,
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }],
      attributes: {},
    });
    expect(emulator.handle.state.log.counts().getKeyRotationPolicy?.byStatus[200]).toBeGreaterThanOrEqual(1);
    expect((await hsm("GET", `/keys/no-such-key/rotationpolicy?${api}`)).json).toMatchObject({
      error: { code: "KeyNotFound" },
    });
  });

  it("words the 404 of a purged key as the service: Key not found: <recoveryId>", async () => {
    const missing = await hsm("GET", `/deletedkeys/never-deleted-key?${api}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: {
        code: "KeyNotFound",
        message: expect.stringMatching(
          new RegExp(
            `^Key not found: https://${host.replaceAll(".", "\\.")}/deletedkeys/never-deleted-key \\(Activity ID: [0-9a-f-]{36}\\)$`,
          ),
        ),
      },
    });
  });
});
