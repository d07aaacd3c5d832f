import { execFileSync } from "node:child_process";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificate, createTestPki, type TestPki } from "../../src/x509/index.ts";

describe("createTestPki", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki({
      serverNames: ["*.managedhsm.azure.net", "login.microsoftonline.com", "127.0.0.1"],
    });
  });

  it("issues a CA and a server certificate that the CA key verifies", () => {
    const ca = new X509Certificate(pki.caCertificate);
    const server = new X509Certificate(pki.serverCertificate);
    expect(ca.ca).toBe(true);
    expect(ca.verify(pki.caPublicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(pki.caPublicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.subjectAltName).toBe(
      "DNS:*.managedhsm.azure.net, DNS:login.microsoftonline.com, IP Address:127.0.0.1",
    );
    expect(server.checkHost("localhsm.managedhsm.azure.net")).toBe("*.managedhsm.azure.net");
    expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  });

  it("marks the CA and the leaf as openssl expects: critical basic constraints and key usage, key ids", () => {
    const ca = execFileSync("openssl", ["x509", "-noout", "-text"], { input: pki.caCertificate }).toString();
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const leaf = execFileSync("openssl", ["x509", "-noout", "-text"], {
      input: pki.serverCertificate,
    }).toString();
    expect(leaf).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(leaf).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(ca)?.[1];
    expect(caKeyId).toBeDefined();
    expect(leaf).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
  });

  it("passes a real TLS handshake that trusts only the CA", async () => {
    const server = createServer({ cert: pki.serverCertificate, key: pki.serverKey }, (_req, res) =>
      res.end(),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const socket = connect({
        port,
        host: "127.0.0.1",
        servername: "login.microsoftonline.com",
        ca: pki.caCertificate,
      });
      await once(socket, "secureConnect");
      expect(socket.authorized).toBe(true);
      socket.destroy();
      const other = await createTestPki({ serverNames: ["localhost"] });
      const rejected = connect({
        port,
        host: "127.0.0.1",
        servername: "login.microsoftonline.com",
        ca: other.caCertificate,
      });
      const [error] = await once(rejected, "error");
      expect((error as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    } finally {
      server.close();
    }
  });
});

describe("createCertificate", () => {
  it("signs with an RSA key too, and keeps the requested validity", async () => {
    const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const notBefore = new Date("2049-12-31T00:00:00Z");
    const notAfter = new Date("2050-06-01T00:00:00Z");
    const pem = await createCertificate({
      commonName: "rsa CA",
      publicKey: ca.publicKey,
      signingKey: ca.privateKey,
      isCa: true,
      notBefore,
      notAfter,
    });
    const certificate = new X509Certificate(pem);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.subject).toBe("CN=rsa CA");
    // Past 2049 the time is a GeneralizedTime (RFC 5280 §4.1.2.5); node reads both forms.
    expect(new Date(certificate.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(certificate.validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it("refuses a key it cannot sign with", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    await expect(createCertificate({ commonName: "x", publicKey, signingKey: privateKey })).rejects.toThrow(
      /unsupported signing key type ed25519/,
    );
  });
});
