import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSvidError, issueX509Svid, type SvidSigningKey, spiffeBundle } from "../../src/svid/index.ts";
import { makeCsr, signingKeys } from "./fixtures.ts";

const spiffeId = "spiffe://example.org/ns/payments/sa/api";

describe("issueX509Svid", () => {
  let ca: SvidSigningKey;
  let dir: string;
  beforeAll(async () => {
    ca = (await signingKeys()).ca;
    dir = await mkdtemp(join(tmpdir(), "x509-svid-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("issues a leaf that chains to the bundle's CA, for node:crypto and openssl verify", async () => {
    const pem = await issueX509Svid({ ca, csrPem: await makeCsr(), spiffeId, ttlSeconds: 600 });
    const leaf = new X509Certificate(pem);
    const bundle = spiffeBundle([ca], { sequence: 1, refreshHintSeconds: 60 });
    const [x5c] = bundle.keys.find((key) => key.use === "x509-svid")?.x5c ?? [];
    const caCertificate = new X509Certificate(Buffer.from(x5c ?? "", "base64"));
    expect(leaf.verify(caCertificate.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCertificate)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    await writeFile(join(dir, "ca.pem"), caCertificate.toString());
    await writeFile(join(dir, "leaf.pem"), pem);
    const verified = execFileSync("openssl", [
      "verify",
      "-x509_strict",
      "-purpose",
      "sslclient",
      "-CAfile",
      join(dir, "ca.pem"),
      join(dir, "leaf.pem"),
    ]).toString();
    expect(verified.trim()).toBe(`${join(dir, "leaf.pem")}: OK`);
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: pem }).toString();
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain("X509v3 Authority Key Identifier");
  });

  it("names the server-chosen SPIFFE ID only, whatever the CSR asks for", async () => {
    const csrPem = await makeCsr({
      uris: ["spiffe://example.org/ns/kube-system/sa/admin", "spiffe://evil.example/x"],
      subject: "CN=admin, O=kube-system",
    });
    const leaf = new X509Certificate(await issueX509Svid({ ca, csrPem, spiffeId, ttlSeconds: 600 }));
    expect(leaf.subjectAltName).toBe(`URI:${spiffeId}`);
    expect(leaf.subject).toBe("O=SPIFFE");
  });

  it("never outlives the CA", async () => {
    const pem = await issueX509Svid({ ca, csrPem: await makeCsr(), spiffeId, ttlSeconds: 10 * 86_400 });
    expect(new Date(new X509Certificate(pem).validTo).getTime()).toBeLessThanOrEqual(ca.notAfter.getTime());
  });

  it.each([
    [
      "not a CSR",
      async () => "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
      "CSR_INVALID",
    ],
    ["empty text", async () => "", "CSR_INVALID"],
    [
      "a CSR whose signature was altered",
      async () => {
        const der = Buffer.from((await makeCsr()).replace(/-----[^-]+-----|\s/g, ""), "base64");
        der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01;
        return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
      },
      "CSR_SIGNATURE_INVALID",
    ],
    [
      "a 1024-bit RSA key",
      () =>
        makeCsr({
          algorithm: {
            name: "RSASSA-PKCS1-v1_5",
            modulusLength: 1024,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: "SHA-256",
          },
        }),
      "CSR_KEY_UNSUPPORTED",
    ],
  ])("refuses %s", async (_, csr, code) => {
    const error = await issueX509Svid({ ca, csrPem: await csr(), spiffeId, ttlSeconds: 60 }).catch(
      (caught: unknown) => caught,
    );
    expect(isSvidError(error) && error.code).toBe(code);
  });
});
