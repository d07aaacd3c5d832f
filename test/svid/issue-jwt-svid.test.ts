import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import {
  generateSigningKey,
  isSvidError,
  issueJwtSvid,
  MemorySigningKeySet,
  spiffeBundle,
} from "../../src/svid/index.ts";
import { signingKeys, trustDomain, verifyJwtSvid } from "./fixtures.ts";

const spiffeId = "spiffe://example.org/ns/payments/sa/api";

describe("issueJwtSvid", () => {
  it("signs an ES256 JWT-SVID that verifies against the bundle's jwt-svid key", async () => {
    const { jwt } = await signingKeys();
    const now = new Date();
    const token = await issueJwtSvid({ key: jwt, spiffeId, audience: ["billing"], ttlSeconds: 300, now });
    const keys = new MemorySigningKeySet();
    keys.put(jwt, "active");
    const bundle = spiffeBundle(keys.published(), { sequence: keys.sequence, refreshHintSeconds: 60 });
    const { payload, kid } = await verifyJwtSvid(token, bundle, "billing");
    expect(kid).toBe(jwt.keyId);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(payload.sub).toBe(spiffeId);
    expect(payload.aud).toEqual(["billing"]);
    expect(payload.iat).toBe(Math.floor(now.getTime() / 1000));
    expect(payload.exp).toBe(Math.floor(now.getTime() / 1000) + 300);
    await expect(verifyJwtSvid(token, bundle, "someone-else")).rejects.toThrow(/aud/);
  });

  it("does not verify against another key", async () => {
    const { jwt } = await signingKeys();
    const other = await generateSigningKey({ use: "jwt-svid", trustDomain, lifetimeSeconds: 60 });
    const token = await issueJwtSvid({ key: jwt, spiffeId, audience: ["a"], ttlSeconds: 60 });
    const forged = { ...other, keyId: jwt.keyId };
    const bundle = spiffeBundle([forged], { sequence: 1, refreshHintSeconds: 60 });
    await expect(verifyJwtSvid(token, bundle, "a")).rejects.toThrow(/signature/);
  });

  it("never outlives its key", async () => {
    const key = await generateSigningKey({ use: "jwt-svid", trustDomain, lifetimeSeconds: 30 });
    const token = await issueJwtSvid({ key, spiffeId, audience: ["a"], ttlSeconds: 3600 });
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    expect(payload.exp).toBe(Math.floor(key.notAfter.getTime() / 1000));
  });

  it.each([
    ["no audience", []],
    ["a number", [42]],
    ["an empty string", [""]],
    ["a newline", ["a\nb"]],
    ["seventeen audiences", Array.from({ length: 17 }, (_, i) => `a${i}`)],
    ["not an array", "billing"],
  ])("refuses %s", async (_, audience) => {
    const { jwt } = await signingKeys();
    const error = await issueJwtSvid({
      key: jwt,
      spiffeId,
      audience: audience as string[],
      ttlSeconds: 60,
    }).catch((caught: unknown) => caught);
    expect(isSvidError(error) && error.code).toBe("AUDIENCE_INVALID");
  });
});
