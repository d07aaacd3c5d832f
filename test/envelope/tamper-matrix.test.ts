// Every single-bit flip of every binary field and of every context value, swapped layers and moved
// records: each refused with the right code (and layer), none opened.
import { describe, expect, it } from "vitest";
import { type Envelope, isEnvelopeError, openEnvelope } from "../../src/envelope/index.ts";
import { type SealedRecord, useEnvelopeFixture } from "./envelope-fixture.ts";

const fixture = useEnvelopeFixture("kek-tamper");

type Outcome = { code: string; layer?: string | undefined; field?: string | undefined };

async function outcome(
  record: SealedRecord,
  envelope: unknown,
  location = record.location,
): Promise<Outcome> {
  try {
    await openEnvelope({ envelope, location, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    return { code: "OPENED" };
  } catch (error) {
    if (!isEnvelopeError(error)) throw error;
    return { code: error.code, layer: error.layer, field: error.field };
  }
}

function flips(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const copy = Buffer.from(bytes);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    out.push(copy);
  }
  return out;
}

/** Runs `tasks` a few at a time (each is an HSM round trip through the emulator). */
async function inBatches<T>(tasks: (() => Promise<T>)[], size = 8): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < tasks.length; start += size)
    results.push(...(await Promise.all(tasks.slice(start, start + size).map((task) => task()))));
  return results;
}

describe("tamper matrix", { timeout: 300_000 }, () => {
  const binaryFields = [
    ["wrappedDek", "iv"],
    ["wrappedDek", "tag"],
    ["wrappedDek", "value"],
    ["ciphertext", "iv"],
    ["ciphertext", "tag"],
    ["ciphertext", "value"],
  ] as const;

  it.each(binaryFields)(
    "every bit flip of %s.%s fails authentication at that layer",
    async (layer, field) => {
      const record = await fixture.seal();
      const original = Buffer.from(record.envelope[layer][field], "base64url");
      const outcomes = await inBatches(
        flips(original).map((flipped) => () => {
          const envelope = structuredClone(record.envelope) as {
            -readonly [K in keyof Envelope]: Envelope[K];
          };
          envelope[layer] = { ...envelope[layer], [field]: flipped.toString("base64url") };
          return outcome(record, envelope);
        }),
      );
      expect(outcomes).toHaveLength(original.length * 8);
      const expected = { code: "ENVELOPE_AUTH_FAILED", layer, field: `envelope.${layer}` };
      expect(outcomes.filter((result) => JSON.stringify(result) !== JSON.stringify(expected))).toEqual([]);
    },
  );

  it("every bit flip of every context value is a context mismatch naming that key", async () => {
    const record = await fixture.seal();
    const outcomes: { key: string; outcome: Outcome }[] = [];
    for (const [key, value] of Object.entries(record.envelope.context)) {
      for (const flipped of flips(Buffer.from(value, "utf8"))) {
        const changed = flipped.toString("utf8");
        if (changed === value) continue; // cannot happen for valid UTF-8, kept as a guard
        const envelope = { ...record.envelope, context: { ...record.envelope.context, [key]: changed } };
        outcomes.push({ key, outcome: await outcome(record, envelope) });
      }
    }
    const total = Object.values(record.envelope.context).reduce((sum, value) => sum + value.length * 8, 0);
    expect(outcomes).toHaveLength(total);
    const wrong = outcomes.filter(
      ({ key, outcome: result }) =>
        result.code !== "ENVELOPE_CONTEXT_MISMATCH" || result.field !== `envelope.context.${key}`,
    );
    expect(wrong).toEqual([]);
  });

  it("a context value changed to match a changed location still fails: the AAD binds the HSM layer", async () => {
    const record = await fixture.seal();
    const outcomes: Outcome[] = [];
    const changes = {
      trustDomain: "evil.example",
      namespace: "other",
      name: "jwt-svid-9",
      keyId: "kid-other",
    };
    for (const [key, value] of Object.entries(changes)) {
      const location = { ...record.location, [key]: value };
      const envelope = { ...record.envelope, context: { ...record.envelope.context, [key]: value } };
      outcomes.push(await outcome(record, envelope, location));
    }
    expect(outcomes).toEqual(
      Object.keys(changes).map(() => ({
        code: "ENVELOPE_AUTH_FAILED",
        layer: "wrappedDek",
        field: "envelope.wrappedDek",
      })),
    );
  });

  it("swapping wrappedDek or ciphertext between two records fails at the swapped layer", async () => {
    const [a, b] = [await fixture.seal("jwt-svid-1"), await fixture.seal("jwt-svid-2")];
    expect(await outcome(a, { ...a.envelope, wrappedDek: b.envelope.wrappedDek })).toEqual({
      code: "ENVELOPE_AUTH_FAILED",
      layer: "wrappedDek",
      field: "envelope.wrappedDek",
    });
    expect(await outcome(a, { ...a.envelope, ciphertext: b.envelope.ciphertext })).toEqual({
      code: "ENVELOPE_AUTH_FAILED",
      layer: "ciphertext",
      field: "envelope.ciphertext",
    });
  });

  it("a record moved to another name or namespace never opens", async () => {
    const record = await fixture.seal("jwt-svid-1", "spirl");
    expect(await outcome(record, record.envelope, { ...record.location, name: "jwt-svid-2" })).toMatchObject({
      code: "ENVELOPE_CONTEXT_MISMATCH",
      field: "envelope.context.name",
    });
    expect(await outcome(record, record.envelope, { ...record.location, namespace: "other" })).toMatchObject({
      code: "ENVELOPE_CONTEXT_MISMATCH",
      field: "envelope.context.namespace",
    });
    expect(
      await outcome(record, record.envelope, { ...record.location, trustDomain: "other.example" }),
    ).toMatchObject({ code: "ENVELOPE_CONTEXT_MISMATCH", field: "envelope.context.trustDomain" });
  });
});
