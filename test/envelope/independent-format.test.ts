import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { isEnvelopeError, openEnvelope } from "../../src/envelope/index.ts";
import { useEnvelopeFixture } from "./envelope-fixture.ts";
import { independentOpen, independentSeal, jwkOf } from "./independent-format.ts";

const fixture = useEnvelopeFixture("kek-independent");
const kek = () => ({ name: "kek-independent", version: fixture.kek.version });

describe("the format, reimplemented from the issue's text (test/envelope/independent-format.ts)", () => {
  it("the reimplementation imports nothing from src/", async () => {
    const source = await readFile(new URL("./independent-format.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/from "\.\.\/\.\.\/src\//);
  });

  it("opens an envelope the code wrote", async () => {
    const record = await fixture.seal("jwt-svid-7");
    const opened = await independentOpen(fixture.emulator, structuredClone(record.envelope), {
      ...record.location.publicKey,
    });
    expect(opened.equals(record.privateKey)).toBe(true);
  });

  it("writes an envelope the code opens", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const written = await independentSeal(
      fixture.emulator,
      kek(),
      privateKey,
      jwkOf(privateKey),
      "jwt-svid-8",
    );
    const opened = await openEnvelope({ ...written, kekConfig: fixture.kekConfig, hsm: fixture.hsm });
    expect(opened.equals(privateKey)).toBe(true);
  });

  it("a well-formed envelope holding another private key than spec.publicKey is refused", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { privateKey: other } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const written = await independentSeal(fixture.emulator, kek(), other, jwkOf(privateKey), "jwt-svid-9");
    const error = await openEnvelope({ ...written, kekConfig: fixture.kekConfig, hsm: fixture.hsm }).catch(
      (caught: unknown) => caught,
    );
    expect(isEnvelopeError(error) && error.code).toBe("ENVELOPE_PUBLIC_KEY_MISMATCH");
  });
});
