import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

/** Files of a throw-away PKI for one local cluster. */
export interface ClusterPki {
  readonly caCert: string;
  /** The CA's key, to sign more certificates for a test (e.g. a kubelet's). */
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  /** RSA key that signs service-account tokens; its public half verifies them. */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

/**
 * Makes a CA, a serving certificate for 127.0.0.1, a `system:masters` client
 * certificate and a service-account signing key with OpenSSL (the same files
 * kubeadm would make, minus what a kubelet-less control plane never uses).
 */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execa("openssl", args, { cwd: dir });
  const rsaKey = (file: string) =>
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file);

  // Own config so Debian's openssl.cnf defaults do not leak into the CA.
  await writeFile(
    f("ca.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "prompt = no",
      "[dn]",
      "CN = spirl-keywrap-test-ca",
      "[v3_ca]",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
      "subjectKeyIdentifier = hash",
      "",
    ].join("\n"),
  );
  await writeFile(
    f("serving.ext"),
    "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n",
  );
  await writeFile(
    f("client.ext"),
    "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth\n",
  );
  await Promise.all([rsaKey("ca.key"), rsaKey("serving.key"), rsaKey("admin.key"), rsaKey("sa.key")]);
  await openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-sha256",
    "-days",
    "2",
    "-config",
    "ca.cnf",
    "-extensions",
    "v3_ca",
    "-out",
    "ca.crt",
  );
  const sign = async (name: string, subject: string, ext: string) => {
    await openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
    await openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-sha256",
      "-days",
      "2",
      "-extfile",
      ext,
      "-out",
      `${name}.crt`,
    );
  };
  await sign("serving", "/CN=kube-apiserver", "serving.ext");
  // O=system:masters is a superuser group: no RBAC binding is needed for the tests' own client.
  await sign("admin", "/O=system:masters/CN=spirl-keywrap-tests", "client.ext");
  await openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub");
  return {
    caCert: f("ca.crt"),
    caKey: f("ca.key"),
    servingCert: f("serving.crt"),
    servingKey: f("serving.key"),
    adminCert: f("admin.crt"),
    adminKey: f("admin.key"),
    serviceAccountKey: f("sa.key"),
    serviceAccountPub: f("sa.pub"),
  };
}
