import { describe, expect, it } from "vitest";
import { isEnvelopeError, openEnvelope, rewrapEnvelope } from "../../src/envelope/index.ts";
import { keyAdminInProcess } from "../helpers/hsm-in-process.ts";
import { useEnvelopeFixture } from "./envelope-fixture.ts";

const fixture = useEnvelopeFixture("kek-open");

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isEnvelopeError(error)) throw new Error(`expected an EnvelopeError, got ${String(error)}`);
  return { code: error.code, layer: error.layer, field: error.field, message: error.message };
}

describe("seal and open", () => {
  it("opens to the same private key with exactly one HSM decrypt", async () => {
    const record = await fixture.seal();
    const before = fixture.hsm.stats().byOperation.decrypt ?? 0;
    const opened = await openEnvelope({ ...record, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    expect(opened.equals(record.privateKey)).toBe(true);
    expect((fixture.hsm.stats().byOperation.decrypt ?? 0) - before).toBe(1);
  });

  it("writes the format of the issue: version 1, the KEK version the HSM used, 12-byte IVs, 16-byte tags", async () => {
    const { envelope, location } = await fixture.seal("x509-svid-3");
    expect(envelope.version).toBe(1);
    expect(Object.keys(envelope.context).sort()).toEqual(
      ["hsm", "kekName", "keyId", "name", "namespace", "publicKeySha256", "trustDomain", "use"].sort(),
    );
    expect(envelope.context).toMatchObject({ name: "x509-svid-3", namespace: location.namespace });
    expect(envelope.kek).toEqual({
      provider: "azure-managed-hsm",
      url: "https://localhsm.managedhsm.azure.net/",
      name: "kek-open",
      version: fixture.kek.version,
    });
    for (const layer of [envelope.wrappedDek, envelope.ciphertext]) {
      expect(layer.alg).toBe("A256GCM");
      expect(Buffer.from(layer.iv, "base64url")).toHaveLength(12);
      expect(Buffer.from(layer.tag, "base64url")).toHaveLength(16);
      for (const text of [layer.iv, layer.tag, layer.value]) expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(Buffer.from(envelope.wrappedDek.value, "base64url")).toHaveLength(32);
  });

  it("the AAD is the JCS form of the context: the stored key order does not matter", async () => {
    const record = await fixture.seal();
    const reversed = Object.fromEntries(Object.entries(record.envelope.context).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(record.envelope.context));
    const envelope = JSON.parse(JSON.stringify({ ...record.envelope, context: reversed }));
    const opened = await openEnvelope({
      ...record,
      envelope,
      kekConfig: fixture.kekConfig,
      hsm: fixture.hsm,
    });
    expect(opened.equals(record.privateKey)).toBe(true);
  });

  it("zeroes the DEK the HSM returned once the key is open", async () => {
    const record = await fixture.seal();
    const returned: Uint8Array[] = [];
    const hsm = {
      encrypt: fixture.hsm.encrypt.bind(fixture.hsm),
      decrypt: async (...args: Parameters<typeof fixture.hsm.decrypt>) => {
        const dek = await fixture.hsm.decrypt(...args);
        returned.push(dek);
        return dek;
      },
    };
    await openEnvelope({ ...record, kekConfig: fixture.kekConfig, hsm });
    expect(returned).toHaveLength(1);
    expect(returned[0]?.length).toBe(32);
    expect(returned[0]?.every((byte) => byte === 0)).toBe(true);
  });
});

describe("refusals that need no HSM call", () => {
  const cases: [string, (envelope: Record<string, unknown>) => void, string, string][] = [
    ["version 2", (e) => (e.version = 2), "ENVELOPE_VERSION_UNKNOWN", "envelope.version"],
    ["version as a string", (e) => (e.version = "1"), "ENVELOPE_VERSION_UNKNOWN", "envelope.version"],
    ["no version", (e) => delete e.version, "ENVELOPE_VERSION_UNKNOWN", "envelope.version"],
    [
      "wrappedDek alg A128GCM",
      (e) => ((e.wrappedDek as Record<string, unknown>).alg = "A128GCM"),
      "ENVELOPE_ALG_UNKNOWN",
      "envelope.wrappedDek.alg",
    ],
    [
      "ciphertext alg RSA-OAEP",
      (e) => ((e.ciphertext as Record<string, unknown>).alg = "RSA-OAEP"),
      "ENVELOPE_ALG_UNKNOWN",
      "envelope.ciphertext.alg",
    ],
    [
      "padded base64",
      (e) =>
        ((e.ciphertext as Record<string, string>).iv = `${(e.ciphertext as Record<string, string>).iv}==`),
      "ENVELOPE_MALFORMED",
      "envelope.ciphertext.iv",
    ],
    [
      "a short tag",
      (e) => ((e.wrappedDek as Record<string, string>).tag = "AAAA"),
      "ENVELOPE_MALFORMED",
      "envelope.wrappedDek.tag",
    ],
    [
      "another provider",
      (e) => ((e.kek as Record<string, string>).provider = "aws-kms"),
      "PROVIDER_MISMATCH",
      "envelope.kek.provider",
    ],
    [
      "another HSM",
      (e) => ((e.kek as Record<string, string>).url = "https://other.managedhsm.azure.net/"),
      "PROVIDER_MISMATCH",
      "envelope.kek.url",
    ],
    [
      "another KEK name",
      (e) => ((e.kek as Record<string, string>).name = "other-kek"),
      "PROVIDER_MISMATCH",
      "envelope.kek.name",
    ],
    [
      "an extra context key",
      (e) => ((e.context as Record<string, string>).region = "eu"),
      "ENVELOPE_CONTEXT_MISMATCH",
      "envelope.context.region",
    ],
    [
      "a missing context key",
      (e) => delete (e.context as Record<string, string>).kekName,
      "ENVELOPE_CONTEXT_MISMATCH",
      "envelope.context.kekName",
    ],
  ];
  it.each(cases)("refuses %s", async (_name, change, code, field) => {
    const record = await fixture.seal();
    const envelope = structuredClone(record.envelope) as unknown as Record<string, unknown>;
    change(envelope);
    const before = fixture.hsm.stats().calls;
    expect(
      await refusal(openEnvelope({ ...record, envelope, kekConfig: fixture.kekConfig, hsm: fixture.hsm })),
    ).toMatchObject({ code, field });
    expect(fixture.hsm.stats().calls).toBe(before);
  });

  it("names both sides of a provider mismatch", async () => {
    const record = await fixture.seal();
    const failure = await refusal(
      openEnvelope({ ...record, kekConfig: { ...fixture.kekConfig, name: "new-kek" }, hsm: fixture.hsm }),
    );
    expect(failure.code).toBe("PROVIDER_MISMATCH");
    expect(failure.message).toContain('"kek-open"');
    expect(failure.message).toContain('"new-kek"');
  });

  it("refuses a public key other than the sealed one (the context binds its hash)", async () => {
    const [record, other] = [await fixture.seal(), await fixture.seal("jwt-svid-2")];
    const location = { ...record.location, publicKey: other.location.publicKey };
    expect(
      await refusal(openEnvelope({ ...record, location, kekConfig: fixture.kekConfig, hsm: fixture.hsm })),
    ).toMatchObject({ code: "ENVELOPE_CONTEXT_MISMATCH", field: "envelope.context.publicKeySha256" });
  });
});

describe("rewrapEnvelope", () => {
  it("moves only kek and wrappedDek to the new version, and the result opens to the same key", async () => {
    const record = await fixture.seal();
    const rotated = await keyAdminInProcess(fixture.emulator).rotateKey("kek-open");
    const target = await fixture.hsm.getKey("kek-open");
    expect(target.version).toBe(rotated.properties.version);
    const steps: string[] = [];
    const rewrapped = await rewrapEnvelope({
      ...record,
      kekConfig: fixture.kekConfig,
      target,
      hsm: fixture.hsm,
      onStep: (step) => {
        steps.push(step);
      },
    });
    expect(steps).toEqual(["unwrapped", "wrapped", "verified"]);
    expect(rewrapped?.kek.version).toBe(target.version);
    expect(rewrapped?.context).toEqual(record.envelope.context);
    expect(rewrapped?.ciphertext).toEqual(record.envelope.ciphertext);
    expect(rewrapped?.wrappedDek).not.toEqual(record.envelope.wrappedDek);
    const opened = await openEnvelope({
      ...record,
      envelope: rewrapped,
      kekConfig: fixture.kekConfig,
      hsm: fixture.hsm,
    });
    expect(opened.equals(record.privateKey)).toBe(true);
    // Idempotent: on the target version there is nothing to do.
    expect(
      await rewrapEnvelope({
        ...record,
        envelope: rewrapped,
        kekConfig: fixture.kekConfig,
        target,
        hsm: fixture.hsm,
      }),
    ).toBeUndefined();
    // The old envelope still opens with the old version (until the old version is disabled).
    const old = await openEnvelope({ ...record, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    expect(old.equals(record.privateKey)).toBe(true);
  });
});
