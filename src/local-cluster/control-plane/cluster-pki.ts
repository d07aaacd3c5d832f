import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

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
  /** Client certificate the API server shows the kubelet (logs), and the kubelet's serving certificate. */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
  readonly kubeletServingCert: string;
  readonly kubeletServingKey: string;
  /** Serving certificate for admission webhooks on 127.0.0.1 (the API server calls them). */
  readonly webhookServingCert: string;
  readonly webhookServingKey: string;
}

/**
 * Makes a CA, the API server's serving certificate, a `system:masters` client
 * certificate, a service-account signing key, the kubelet's client and serving
 * certificates and one for admission webhooks, with OpenSSL (the files kubeadm
 * would make for a one-node cluster).
 */
export async function createClusterPki(
  dir: string,
  options: { readonly servingIps?: readonly string[] } = {},
): Promise<ClusterPki> {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  // Pods reach the API server through the pod network's gateway, so its address is in the certificate too.
  const ipSans = ["127.0.0.1", "10.0.0.1", ...(options.servingIps ?? [])].map((ip) => `IP:${ip}`).join(",");
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
      `extendedKeyUsage = serverAuth\nsubjectAltName = ${ipSans},DNS:localhost,DNS:kubernetes.default.svc\n`,
  );
  await writeFile(
    f("client.ext"),
    "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth\n",
  );
  await writeFile(
    f("local.ext"),
    "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n",
  );
  const keys = ["ca", "serving", "admin", "sa", "kubelet-client", "kubelet-serving", "webhook-serving"];
  await Promise.all(keys.map((name) => rsaKey(`${name}.key`)));
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
  await sign("kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "client.ext");
  await sign("kubelet-serving", "/CN=local-node", "local.ext");
  await sign("webhook-serving", "/CN=local-webhooks", "local.ext");
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
    kubeletClientCert: f("kubelet-client.crt"),
    kubeletClientKey: f("kubelet-client.key"),
    kubeletServingCert: f("kubelet-serving.crt"),
    kubeletServingKey: f("kubelet-serving.key"),
    webhookServingCert: f("webhook-serving.crt"),
    webhookServingKey: f("webhook-serving.key"),
  };
}
