import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemorySigningKeySet, spiffeBundle } from "../../src/svid/index.ts";
import { signingKeys } from "./fixtures.ts";

describe("spiffeBundle", () => {
  it("publishes x509-svid keys with x5c and jwt-svid keys with kid, public parameters only", async () => {
    const { jwt, ca } = await signingKeys();
    const bundle = spiffeBundle([ca, jwt], { sequence: 7, refreshHintSeconds: 300 });
    expect(bundle.spiffe_sequence).toBe(7);
    expect(bundle.spiffe_refresh_hint).toBe(300);
    const [x509Key, jwtKey] = bundle.keys;
    expect(x509Key).toMatchObject({ kty: "EC", crv: "P-256", use: "x509-svid" });
    expect(x509Key?.x5c).toHaveLength(1);
    expect(new X509Certificate(Buffer.from(x509Key?.x5c?.[0] ?? "", "base64")).toString()).toBe(
      ca.caCertificatePem,
    );
    expect(jwtKey).toMatchObject({ kty: "EC", crv: "P-256", use: "jwt-svid", kid: jwt.keyId });
    expect(JSON.stringify(bundle)).not.toContain('"d"');
  });
});

describe("MemorySigningKeySet", () => {
  it("signs with the active key only, and publishes prepared and retired keys", async () => {
    const [first, second] = await Promise.all([signingKeys(), signingKeys()]);
    const keys = new MemorySigningKeySet();
    keys.put(first.jwt, "active");
    keys.put(second.jwt, "prepared");
    expect(keys.active("jwt-svid")?.keyId).toBe(first.jwt.keyId);
    expect(keys.active("x509-svid")).toBeUndefined();
    keys.put(first.jwt, "retired");
    keys.put(second.jwt, "active");
    expect(keys.active("jwt-svid")?.keyId).toBe(second.jwt.keyId);
    expect(keys.published().map((key) => [key.keyId, key.state])).toEqual(
      [
        [first.jwt.keyId, "retired"],
        [second.jwt.keyId, "active"],
      ].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)),
    );
    keys.put(first.ca, "active");
    expect(keys.published()[0]?.use).toBe("x509-svid");
    keys.clear();
    expect(keys.published()).toEqual([]);
    expect(keys.active("jwt-svid")).toBeUndefined();
  });

  it("derives spiffe_sequence from the published keys: same keys, same number; it grows only as the JWKs change", async () => {
    const [a, b, c] = await Promise.all([signingKeys(), signingKeys(), signingKeys()]);
    const jwt1 = { ...a.jwt, sequence: 1 };
    const jwt2 = { ...b.jwt, sequence: 2 };
    const jwt3 = { ...c.jwt, sequence: 3 };
    const ca1 = { ...a.ca, sequence: 1 };
    // One replica saw a whole history, another (just restarted) loads the result: same number.
    const replica = new MemorySigningKeySet();
    const seen: number[] = [];
    const step = (change: () => void) => {
      change();
      seen.push(replica.sequence);
    };
    step(() => replica.put(ca1, "active", { kekVersion: "v1" }));
    step(() => replica.put(jwt1, "active", { kekVersion: "v1" }));
    step(() => replica.put(jwt2, "prepared", { kekVersion: "v1" }));
    const beforeStateChanges = replica.sequence;
    step(() => replica.put(jwt2, "active", { kekVersion: "v1" }));
    step(() => replica.put(jwt1, "retired", { kekVersion: "v2" }));
    expect(replica.sequence).toBe(beforeStateChanges);
    step(() => replica.remove(jwt1.keyId));
    step(() => replica.put(jwt3, "prepared", { kekVersion: "v2" }));
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(5);
    const restarted = new MemorySigningKeySet();
    restarted.put(jwt3, "prepared");
    restarted.put(jwt2, "active");
    restarted.put(ca1, "active");
    expect(restarted.sequence).toBe(replica.sequence);
  });
});
