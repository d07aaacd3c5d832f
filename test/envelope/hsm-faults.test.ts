// What the envelope does when the HSM misbehaves (emulator faults, injected through its live state).
import { describe, expect, it } from "vitest";
import type { FaultInput } from "../../src/emulator/index.ts";
import { isEnvelopeError, openEnvelope } from "../../src/envelope/index.ts";
import { useEnvelopeFixture } from "./envelope-fixture.ts";

const fixture = useEnvelopeFixture("kek-faults");

function inject(fault: FaultInput) {
  fixture.emulator.handle.state.faults.add({ hsm: "localhsm", ...fault });
}

function logged(operation: string) {
  return fixture.emulator.handle.state.log.entries().filter((entry) => entry.operation === operation);
}

async function codeOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return isEnvelopeError(error) ? { code: error.code, layer: error.layer } : { code: String(error) };
}

describe("HSM faults", () => {
  it("an 8-byte service IV is refused at seal time", async () => {
    inject({ kind: "short-iv", operation: "encrypt", count: 1 });
    expect(await codeOf(fixture.seal())).toEqual({ code: "ENVELOPE_HSM_RESPONSE_INVALID", layer: undefined });
  });

  it("an encrypt answered with another key's kid is refused at seal time", async () => {
    inject({ kind: "wrong-kid", operation: "encrypt", count: 1 });
    expect(await codeOf(fixture.seal())).toEqual({ code: "ENVELOPE_HSM_RESPONSE_INVALID", layer: undefined });
  });

  it("a DEK truncated by the HSM is refused, a corrupted one fails the local layer", async () => {
    const record = await fixture.seal();
    const open = () => openEnvelope({ ...record, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    inject({ kind: "truncate-plaintext", operation: "decrypt", count: 1 });
    expect(await codeOf(open())).toEqual({ code: "ENVELOPE_HSM_RESPONSE_INVALID", layer: undefined });
    inject({ kind: "corrupt-plaintext", operation: "decrypt", count: 1 });
    expect(await codeOf(open())).toEqual({ code: "ENVELOPE_AUTH_FAILED", layer: "ciphertext" });
    expect((await open()).equals(record.privateKey)).toBe(true);
  });

  it("429 and 503 on decrypt are retried within the deadline and the key opens", async () => {
    const record = await fixture.seal();
    const before = logged("decrypt").length;
    inject({ kind: "throttle", operation: "decrypt", count: 1, retryAfterSeconds: 0 });
    inject({ kind: "unavailable", operation: "decrypt", count: 1 });
    const opened = await openEnvelope({ ...record, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    expect(opened.equals(record.privateKey)).toBe(true);
    const statuses = logged("decrypt")
      .slice(before)
      .map((entry) => entry.status);
    // Both faults fired on the first attempt (a request takes every matching fault); the retry succeeded.
    expect(statuses.filter((status) => status === 429 || status === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe(200);
  });

  it("a KEK version the HSM does not know (404) is an HSM failure, not an authentication failure", async () => {
    const record = await fixture.seal();
    const kekConfig = fixture.kekConfig;
    const envelope = { ...record.envelope, kek: { ...record.envelope.kek, version: "0".repeat(32) } };
    expect(await codeOf(openEnvelope({ ...record, envelope, kekConfig, hsm: fixture.hsm }))).toEqual({
      code: "ENVELOPE_HSM_FAILED",
      layer: undefined,
    });
  });
});
