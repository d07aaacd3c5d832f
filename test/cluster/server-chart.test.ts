// The chart's Trust Domain Server wiring on a real API server: the pod template admitted under restricted
// Pod Security, and the ServiceAccount's rights exactly what the server needs (checked by the API
// server's own authorizer through SubjectAccessReview, not by reading the Role back).
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { chartDir, helms, runHelm } from "../helpers/helm.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { createRestrictedNamespace } from "../helpers/restricted-namespace.ts";

const cluster = inject("cluster");
const exampleValues = join(chartDir, "ci", "example-values.yaml");

interface Access {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly namespace?: string;
}

describe.each(helms)(
  "the server's chart objects on a real API server with $name (Helm $major)",
  ({ name, major }) => {
    it("admits the server pod under restricted Pod Security and grants its ServiceAccount only what it uses", async () => {
      const { admin } = await connectCluster(cluster);
      const namespace = await createRestrictedNamespace(admin, `server-h${major}`);
      const install = await runHelm(
        name,
        [
          "install",
          "tds",
          chartDir,
          "-n",
          namespace,
          "--no-hooks",
          "-f",
          exampleValues,
          "--set",
          "trustDomainServer.trustDomain=example.org",
          "--set",
          "trustDomainServer.replicas=2",
          "--set",
          "trustDomainServer.tls.secretName=tds-serving",
        ],
        { kubeconfig: cluster.kubeconfig },
      );
      expect(install.stderr).not.toMatch(/violate PodSecurity/);

      const deployment = await admin.json<{
        spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
      }>("GET", `/apis/apps/v1/namespaces/${namespace}/deployments/tds-spirl-system`);
      // No kubelet runs pods here: admit the template as a Pod (server dry run), where PSA enforces.
      const admitted = await admin.request("POST", `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "server-template-check", labels: deployment.spec.template.metadata.labels },
        spec: deployment.spec.template.spec,
      });
      expect(admitted.status, JSON.stringify(admitted.body)).toBe(201);
      for (const kind of ["services", "poddisruptionbudgets"]) {
        const path =
          kind === "services"
            ? `/api/v1/namespaces/${namespace}/services/tds-spirl-system`
            : `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/tds-spirl-system`;
        expect((await admin.request("GET", path)).status, kind).toBe(200);
      }

      const user = `system:serviceaccount:${namespace}:tds-spirl-system`;
      const allowed = async (access: Access) => {
        const review = await admin.json<{ status: { allowed: boolean } }>(
          "POST",
          "/apis/authorization.k8s.io/v1/subjectaccessreviews",
          {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: {
              user,
              groups: [
                "system:serviceaccounts",
                `system:serviceaccounts:${namespace}`,
                "system:authenticated",
              ],
              resourceAttributes: { namespace, ...access },
            },
          },
        );
        return review.status.allowed;
      };
      const keys = { group: "keywrap.spirl.dev", resource: "signingkeys" };
      const lease = { group: "coordination.k8s.io", resource: "leases" };
      const granted: Access[] = [
        ...["get", "list", "watch", "create", "update", "patch", "delete"].map((verb) => ({ ...keys, verb })),
        { ...keys, subresource: "status", verb: "update" },
        { ...lease, verb: "create" },
        { ...lease, verb: "get", name: "tds-spirl-system" },
        { ...lease, verb: "update", name: "tds-spirl-system" },
        { group: "authentication.k8s.io", resource: "tokenreviews", verb: "create", namespace: "" },
      ];
      const refused: Access[] = [
        { ...keys, verb: "deletecollection" },
        { ...keys, verb: "list", namespace: "default" },
        { ...lease, verb: "update", name: "someone-elses-lease" },
        { ...lease, verb: "delete", name: "tds-spirl-system" },
        { group: "", resource: "secrets", verb: "get", name: "tds-serving" },
        { group: "", resource: "pods", verb: "list" },
      ];
      for (const access of granted) expect(await allowed(access), JSON.stringify(access)).toBe(true);
      for (const access of refused) expect(await allowed(access), JSON.stringify(access)).toBe(false);

      await runHelm(name, ["uninstall", "tds", "-n", namespace], { kubeconfig: cluster.kubeconfig });
    });
  },
);
