import { describe, expect, it } from "vitest";
import { isSvidError, parseTrustDomain, workloadSpiffeId } from "../../src/svid/index.ts";

describe("workloadSpiffeId", () => {
  it("names a Kubernetes service account", () => {
    expect(workloadSpiffeId("example.org", "payments", "api")).toBe(
      "spiffe://example.org/ns/payments/sa/api",
    );
  });

  it.each([
    ["a trust domain with uppercase letters", "Example.org", "ns", "sa"],
    ["a trust domain with a port", "example.org:443", "ns", "sa"],
    ["an empty namespace", "example.org", "", "sa"],
    ["a service account that climbs the path", "example.org", "ns", ".."],
    ["a namespace with a slash", "example.org", "a/b", "sa"],
  ])("refuses %s", (_, trustDomain, namespace, serviceAccount) => {
    let thrown: unknown;
    try {
      workloadSpiffeId(trustDomain, namespace, serviceAccount);
    } catch (error) {
      thrown = error;
    }
    expect(isSvidError(thrown) && thrown.code).toBe("SPIFFE_ID_INVALID");
  });

  it("keeps a trust domain that the spec allows", () => {
    expect(parseTrustDomain("prod_1.example-corp.internal")).toBe("prod_1.example-corp.internal");
  });
});
