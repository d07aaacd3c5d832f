import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { objectIdentifier, time, unsignedInteger } from "../../src/x509/der.ts";
import { createTestPki } from "../../src/x509/index.ts";

describe("DER encoder", () => {
  it("encodes multi-byte OID arcs base 128", () => {
    expect(objectIdentifier("1.2.840.10045.4.3.2").toString("hex")).toBe("06082a8648ce3d040302");
  });

  it("pads an INTEGER whose top bit is set and trims leading zeros", () => {
    expect(unsignedInteger(Buffer.from([0x80])).toString("hex")).toBe("02020080");
    expect(unsignedInteger(Buffer.from([0, 0, 5])).toString("hex")).toBe("020105");
  });

  it("switches to GeneralizedTime in 2050", () => {
    expect(time(new Date("2049-12-31T23:59:59Z")).toString()).toContain("491231235959Z");
    expect(time(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18);
  });
});

describe("createTestPki", () => {
  const pki = createTestPki({
    serverNames: ["*.managedhsm.azure.net", "login.microsoftonline.com", "127.0.0.1"],
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
      const other = createTestPki({ serverNames: ["localhost"] });
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
