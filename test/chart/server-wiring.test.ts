import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { chartDir, helms, runHelm } from "../helpers/helm.ts";

const workloadIdentityValues = join(chartDir, "ci", "workload-identity-values.yaml");

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  rules?: unknown[];
  roleRef?: { kind: string; name: string };
  subjects?: unknown[];
}
interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Probe {
  httpGet: { path: string; port: string; scheme: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: EnvEntry[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string } }[];
}

describe.each(helms)("Trust Domain Server wiring rendered by $name (Helm $major)", ({ name }) => {
  async function render(...set: string[]): Promise<Manifest[]> {
    const args = ["template", "tds", chartDir, "--namespace", "trust", "-f", workloadIdentityValues];
    for (const value of set) args.push("--set", value);
    const { stdout } = await runHelm(name, args);
    return parseAllDocuments(String(stdout))
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null);
  }
  const only = (docs: Manifest[], kind: string) => {
    const found = docs.filter((doc) => doc.kind === kind);
    expect(
      found.map((doc) => doc.metadata.name),
      kind,
    ).toHaveLength(1);
    return found[0] as Manifest;
  };
  const podSpec = (docs: Manifest[]) =>
    (only(docs, "Deployment").spec as { template: { spec: PodSpec } }).template.spec;
  const server = (docs: Manifest[]) => {
    const container = podSpec(docs).containers.find((c) => c.name === "trust-domain-server");
    if (container === undefined) throw new Error("no trust-domain-server container");
    return container;
  };
  const envOf = (container: Container) => new Map(container.env.map((entry) => [entry.name, entry]));

  it("runs `spirl-keywrap server` from the preflight's image with the settings it reads", async () => {
    const docs = await render(
      "trustDomainServer.trustDomain=example.org",
      "trustDomainServer.tokenAudience=tds-callers",
      "trustDomainServer.port=9443",
      "trustDomainServer.logFormat=json",
      "trustDomainServer.signingKeys.x509Svid.prePublish=12h",
    );
    const container = server(docs);
    const [init] = podSpec(docs).initContainers ?? [];
    // One image, two bundles: the entrypoint runs the preflight, the command picks the server's.
    expect(container.image).toBe(init?.image);
    expect(container.image).toBe("ghcr.io/spirl/spirl-keywrap:0.1.0");
    expect(container.command).toEqual(["/nodejs/bin/node", "/app/server.mjs"]);
    expect(container.args).toBeUndefined();
    const env = envOf(container);
    expect(Object.fromEntries([...env].map(([key, entry]) => [key, entry.value ?? entry.valueFrom]))).toEqual(
      {
        SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: "https://my-managed-hsm.managedhsm.azure.net",
        SPIRL_KEYWRAP_AZURE_KEY_NAME: "defakto-wrapping-key",
        SPIRL_KEYWRAP_AZURE_KEY_VERSION: "0123456789abcdef0123456789abcdef",
        SPIRL_KEYWRAP_TRUST_DOMAIN: "example.org",
        SPIRL_KEYWRAP_NAMESPACE: { fieldRef: { fieldPath: "metadata.namespace" } },
        SPIRL_KEYWRAP_LISTEN: "0.0.0.0:9443",
        SPIRL_KEYWRAP_TOKEN_AUDIENCE: "tds-callers",
        SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "60s",
        SPIRL_KEYWRAP_LOG_FORMAT: "json",
        SPIRL_KEYWRAP_JWT_KEY_LIFETIME: "7d",
        SPIRL_KEYWRAP_JWT_KEY_PREPUBLISH: "1d",
        SPIRL_KEYWRAP_X509_KEY_LIFETIME: "30d",
        SPIRL_KEYWRAP_X509_KEY_PREPUBLISH: "12h",
        SPIRL_KEYWRAP_LEASE_NAME: "tds-spirl-system",
        SPIRL_KEYWRAP_DEV_SELF_SIGNED_TLS: "true",
      },
    );
    expect(container.ports).toEqual([{ name: "https", containerPort: 9443, protocol: "TCP" }]);
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "https", scheme: "HTTPS" });
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "https", scheme: "HTTPS" });
    expect(container.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "https", scheme: "HTTPS" });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("serves with the certificate of the named Secret instead of a self-signed one", async () => {
    const docs = await render("trustDomainServer.tls.secretName=tds-serving");
    const container = server(docs);
    const env = envOf(container);
    expect(env.has("SPIRL_KEYWRAP_DEV_SELF_SIGNED_TLS")).toBe(false);
    expect(env.get("SPIRL_KEYWRAP_TLS_CERT_FILE")?.value).toBe("/etc/spirl-keywrap/tls/tls.crt");
    expect(env.get("SPIRL_KEYWRAP_TLS_KEY_FILE")?.value).toBe("/etc/spirl-keywrap/tls/tls.key");
    expect(container.volumeMounts).toContainEqual({
      name: "serving-certificate",
      mountPath: "/etc/spirl-keywrap/tls",
      readOnly: true,
    });
    expect(podSpec(docs).volumes?.find((v) => v.name === "serving-certificate")?.secret?.secretName).toBe(
      "tds-serving",
    );
    // Without a Secret, no such volume.
    const dev = await render();
    expect(podSpec(dev).volumes?.map((v) => v.name)).toEqual(["kube-api-access"]);
  });

  it("refuses a Secret name that is not a DNS name", async () => {
    const args = ["template", "tds", chartDir, "-f", workloadIdentityValues];
    const refused = await runHelm(name, [...args, "--set", "trustDomainServer.tls.secretName=Not_A_Name"], {
      reject: false,
    });
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr)).toContain("at '/trustDomainServer/tls/secretName': 'Not_A_Name'");
    // With the schema skipped, the template checks say the same in the model's words.
    const checked = await runHelm(
      name,
      [...args, "--skip-schema-validation", "--set", "trustDomainServer.tls.secretName=Not_A_Name"],
      { reject: false },
    );
    expect(checked.exitCode).toBe(1);
    expect(String(checked.stderr)).toMatch(/trustDomainServer\.tls\.secretName: .*got "Not_A_Name"/);
  });

  it("grants SigningKeys and its Lease in the namespace, and TokenReviews cluster-wide, to the server's ServiceAccount", async () => {
    const docs = await render();
    const subject = { kind: "ServiceAccount", name: "spirl-tds", namespace: "trust" };
    const role = only(docs, "Role");
    expect(role.metadata.namespace).toBe("trust");
    expect(role.rules).toEqual([
      {
        apiGroups: ["keywrap.spirl.dev"],
        resources: ["signingkeys"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
      {
        apiGroups: ["keywrap.spirl.dev"],
        resources: ["signingkeys/status"],
        verbs: ["get", "update", "patch"],
      },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["tds-spirl-system"],
        verbs: ["get", "update"],
      },
    ]);
    const binding = only(docs, "RoleBinding");
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: role.metadata.name,
    });
    expect(binding.subjects).toEqual([subject]);
    const clusterRole = only(docs, "ClusterRole");
    expect(clusterRole.rules).toEqual([
      { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    ]);
    // Cluster-scoped: the namespace is in the name, so the same release name in two namespaces never clashes.
    expect(clusterRole.metadata.name).toBe("trust-tds-spirl-system-tokenreview");
    const clusterBinding = only(docs, "ClusterRoleBinding");
    expect(clusterBinding.roleRef).toMatchObject({ kind: "ClusterRole", name: clusterRole.metadata.name });
    expect(clusterBinding.subjects).toEqual([subject]);
  });

  it("exposes the HTTPS port through a Service that selects the server's pods", async () => {
    const docs = await render();
    const service = only(docs, "Service").spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort: string }[];
    };
    expect(service.ports).toEqual([{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }]);
    const podLabels = (
      only(docs, "Deployment").spec as { template: { metadata: { labels: Record<string, string> } } }
    ).template.metadata.labels;
    expect(podLabels).toMatchObject(service.selector);
    expect(Object.keys(service.selector).length).toBeGreaterThan(0);
  });

  it("adds a PodDisruptionBudget only with more than one replica", async () => {
    const two = await render("trustDomainServer.replicas=2");
    const pdb = only(two, "PodDisruptionBudget").spec as { maxUnavailable: number; selector: unknown };
    expect(pdb.maxUnavailable).toBe(1);
    expect(pdb.selector).toEqual((only(two, "Deployment").spec as { selector: unknown }).selector);
    for (const replicas of [0, 1])
      expect((await render(`trustDomainServer.replicas=${replicas}`)).map((doc) => doc.kind)).not.toContain(
        "PodDisruptionBudget",
      );
  });
});
