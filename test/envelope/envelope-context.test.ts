import { expect, it } from "vitest";
import { checkContext } from "../../src/envelope/envelope-context.ts";
import { type EnvelopeError, isEnvelopeError } from "../../src/envelope/index.ts";

const derived = { trustDomain: "example.org", keyId: "k", use: "jwt-svid" };

function refusal(stored: unknown): EnvelopeError {
  try {
    checkContext(stored, derived);
  } catch (error) {
    if (isEnvelopeError(error)) return error;
    throw error;
  }
  throw new Error("checkContext accepted the context");
}

it.each(["toString", "constructor", "hasOwnProperty"])(
  "a stored key named like an Object.prototype member (%s) is an extra key, not a prototype lookup",
  (key) => {
    // JSON.parse makes own properties of these names, as a record read from the API server would have.
    const stored = JSON.parse(JSON.stringify({ ...derived, [key]: "x" }));
    const error = refusal(stored);
    expect({ code: error.code, field: error.field }).toEqual({
      code: "ENVELOPE_CONTEXT_MISMATCH",
      field: `envelope.context.${key}`,
    });
    expect(error.message).toBe(`envelope.context.${key}: expected no such key; got "x"`);
  },
);

it("the same keys and values are accepted whatever their order", () => {
  expect(() =>
    checkContext(JSON.parse('{"use":"jwt-svid","keyId":"k","trustDomain":"example.org"}'), derived),
  ).not.toThrow();
});
