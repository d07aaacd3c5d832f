import { expect, it } from "vitest";
import { isEnvelopeError } from "../../src/envelope/index.ts";
import { type KekClient, unwrapDek } from "../../src/envelope/kek-calls.ts";
import type { ParsedEnvelope } from "../../src/envelope/parse-envelope.ts";
import { restError } from "../helpers/rest-error.ts";

// How an HSM decrypt failure is classified. The emulator answers a tag failure only as the service does
// (400 BadParameter); the other 400s come from SDK-shaped errors here.

const parsed: ParsedEnvelope = {
  context: {},
  kek: { url: "https://hsm.managedhsm.azure.net/", name: "kek", version: "v1" },
  wrappedDek: { iv: Buffer.alloc(12), tag: Buffer.alloc(16), value: Buffer.alloc(32) },
  ciphertext: { iv: Buffer.alloc(12), tag: Buffer.alloc(16), value: Buffer.alloc(48) },
};

async function refusalFor(error: Error) {
  const hsm = { decrypt: () => Promise.reject(error) } as unknown as KekClient;
  const refusal = await unwrapDek(hsm, parsed, Buffer.from("{}")).catch((caught: unknown) => caught);
  if (!isEnvelopeError(refusal)) throw new Error(`expected an EnvelopeError, got ${String(refusal)}`);
  return { code: refusal.code, layer: refusal.layer, message: refusal.message };
}

it("the service's tag failure (400 BadParameter) is an authentication failure of the wrappedDek layer", async () => {
  expect(await refusalFor(restError(400, {}, "BadParameter"))).toMatchObject({
    code: "ENVELOPE_AUTH_FAILED",
    layer: "wrappedDek",
    message: expect.stringContaining("400 BadParameter"),
  });
});

it.each(["InvalidRequest", "KeyDisabled", undefined])(
  "another 400 (%s) is an HSM failure naming the service's code, not tampering",
  async (code) => {
    const refusal = await refusalFor(restError(400, {}, code));
    expect({ code: refusal.code, layer: refusal.layer }).toEqual({
      code: "ENVELOPE_HSM_FAILED",
      layer: undefined,
    });
    expect(refusal.message).toContain(code === undefined ? "(400)" : `(400 ${code})`);
  },
);

it("a wrapped failure is classified by the status underneath", async () => {
  const wrapped = new Error("decrypt failed", { cause: restError(400, {}, "BadParameter") });
  expect(await refusalFor(wrapped)).toMatchObject({ code: "ENVELOPE_AUTH_FAILED" });
});
