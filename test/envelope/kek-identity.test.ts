import { generateKeyPairSync } from "node:crypto";
import { expect, it } from "vitest";
import {
  type EnvelopeError,
  isEnvelopeError,
  openEnvelope,
  sealPrivateKey,
} from "../../src/envelope/index.ts";
import type { HsmKey } from "../../src/hsm/index.ts";
import { useEnvelopeFixture } from "./envelope-fixture.ts";

const fixture = useEnvelopeFixture("kek-case");
const where = {
  trustDomain: "example.org",
  namespace: "spirl",
  name: "jwt-svid-1",
  keyId: "k1",
  use: "jwt-svid",
};

async function refusal(promise: Promise<unknown>): Promise<EnvelopeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isEnvelopeError(error)) throw new Error(`expected an EnvelopeError, got ${String(error)}`);
  return error;
}

it("a key name configured in another case seals and opens: Managed HSM key names are case-insensitive", async () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const upper = { ...fixture.kekConfig, name: "KEK-Case" };
  const sealed = await sealPrivateKey({
    privateKey,
    location: where,
    kekConfig: upper,
    kek: fixture.kek,
    hsm: fixture.hsm,
  });
  // The context holds the one lowercase form, so either spelling of the configuration derives the same AAD.
  expect(sealed.envelope.context.kekName).toBe("kek-case");
  for (const kekConfig of [upper, fixture.kekConfig]) {
    const opened = await openEnvelope({
      envelope: sealed.envelope,
      location: { ...where, publicKey: sealed.publicKey },
      kekConfig,
      hsm: fixture.hsm,
    });
    expect(opened.equals(privateKey)).toBe(true);
  }
});

it("an encrypt answer naming another version of the key than the one asked for is refused", async () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const asked: HsmKey = {
    ...fixture.kek,
    version: "0000asked",
    id: fixture.kek.id.replace(/[^/]+$/, "0000asked"),
  };
  // The HSM's real answer for its current version, handed back as the answer to a request for `asked`.
  const hsm = {
    encrypt: (
      _key: HsmKey,
      ...rest: Parameters<typeof fixture.hsm.encrypt> extends [unknown, ...infer R] ? R : never
    ) => fixture.hsm.encrypt(fixture.kek, ...rest),
    decrypt: fixture.hsm.decrypt.bind(fixture.hsm),
  };
  const error = await refusal(
    sealPrivateKey({ privateKey, location: where, kekConfig: fixture.kekConfig, kek: asked, hsm }),
  );
  expect({ code: error.code, field: error.field }).toEqual({
    code: "ENVELOPE_HSM_RESPONSE_INVALID",
    field: "envelope.wrappedDek",
  });
  expect(error.message).toContain("/keys/kek-case/0000asked");
});
