import { describe, expect, it } from "vitest";
import { keyName, recordOf, sequenceOf } from "../../src/keystore/signing-key-resource.ts";

describe("SigningKey names", () => {
  it("round-trips a sequence through the name", () => {
    expect(keyName("x509-svid", 12)).toBe("x509-svid-12");
    expect(sequenceOf("x509-svid-12", "x509-svid")).toBe(12);
  });

  it.each([["jwt-svid-0"], ["jwt-svid-01"], ["jwt-svid-"], ["x509-svid-1"], ["jwt-svid-1-copy"]])(
    "%s is not a jwt-svid sequence name",
    (name) => {
      expect(sequenceOf(name, "jwt-svid")).toBeUndefined();
    },
  );

  it("a record without a status is prepared", () => {
    const resource = {
      apiVersion: "keywrap.spirl.dev/v1alpha1",
      kind: "SigningKey",
      metadata: { name: "jwt-svid-1", namespace: "ns", resourceVersion: "7" },
      spec: {} as never,
    };
    expect(recordOf(resource)).toMatchObject({ state: "prepared", labels: {}, annotations: {} });
    expect(recordOf({ ...resource, status: { state: "retired" } }).state).toBe("retired");
  });
});
