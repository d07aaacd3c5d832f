import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createCertificate } from "./create-certificate.ts";

/** A throw-away CA and one TLS server certificate it signed, all PEM. */
export interface TestPki {
  /** The CA certificate: give it to clients (`NODE_EXTRA_CA_CERTS`, `ca`). */
  readonly caCertificate: string;
  /** The CA public key, to verify certificates it signed. */
  readonly caPublicKey: KeyObject;
  /** The server certificate for the requested names. */
  readonly serverCertificate: string;
  /** The server's private key (PKCS#8 PEM). */
  readonly serverKey: string;
}

/** Options for {@link createTestPki}. */
export interface TestPkiOptions {
  /** CA common name. Default "spirl-keywrap test CA". */
  readonly caName?: string;
  /** DNS names (wildcards allowed) and IPv4 addresses the server certificate covers. */
  readonly serverNames: readonly string[];
}

/** Makes a fresh P-256 CA and a server certificate; ECDSA keeps start-up to a few milliseconds. */
export async function createTestPki(options: TestPkiOptions): Promise<TestPki> {
  const caName = options.caName ?? "spirl-keywrap test CA";
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caCertificate = await createCertificate({
    commonName: caName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    isCa: true,
  });
  const serverCertificate = await createCertificate({
    commonName: options.serverNames[0] ?? "localhost",
    publicKey: server.publicKey,
    issuer: { commonName: caName, publicKey: ca.publicKey },
    signingKey: ca.privateKey,
    subjectAltNames: options.serverNames,
  });
  return {
    caCertificate,
    caPublicKey: ca.publicKey,
    serverCertificate,
    serverKey: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
