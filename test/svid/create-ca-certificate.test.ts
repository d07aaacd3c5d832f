import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSigningKey } from "../../src/svid/index.ts";

describe("createCaCertificate (through generateSigningKey)", () => {
  it("makes a self-signed P-256 CA for the trust domain, per the X509-SVID spec", async () => {
    const key = await generateSigningKey({
      use: "x509-svid",
      trustDomain: "example.org",
      lifetimeSeconds: 600,
    });
    const pem = key.caCertificatePem ?? "";
    const certificate = new X509Certificate(pem);
    expect(certificate.ca).toBe(true);
    expect(certificate.subjectAltName).toBe("URI:spiffe://example.org");
    expect(certificate.verify(key.publicKey)).toBe(true);
    expect(certificate.publicKey.equals(key.publicKey)).toBe(true);
    expect(Math.abs(new Date(certificate.validTo).getTime() - key.notAfter.getTime())).toBeLessThan(1000);
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: pem }).toString();
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain("X509v3 Subject Key Identifier");
  });

  it("gives a jwt-svid key no certificate and a URL-safe key id", async () => {
    const key = await generateSigningKey({
      use: "jwt-svid",
      trustDomain: "example.org",
      lifetimeSeconds: 600,
    });
    expect(key.caCertificatePem).toBeUndefined();
    expect(key.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
