import type { V1Container, V1Pod, V1ServiceAccount } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  isWorkloadIdentityError,
  type JsonPatchOp,
  mutatePod,
} from "../../../src/local-cluster/workload-identity/index.ts";

const config = { tenantId: "tenant-of-webhook", authorityHost: "https://login.example.test/" };
const clientId = "11111111-2222-3333-4444-555555555555";

function sa(annotations: Record<string, string> = {}): V1ServiceAccount {
  return { metadata: { name: "app", namespace: "ns", annotations } };
}

function pod(spec: Partial<NonNullable<V1Pod["spec"]>> = {}, annotations?: Record<string, string>): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      labels: { "azure.workload.identity/use": "true" },
      ...(annotations && { annotations }),
    },
    spec: { serviceAccountName: "app", containers: [{ name: "main", image: "x" }], ...spec },
  };
}

/** Applies the webhook's `add` ops as the API server would (RFC 6902, arrays only). */
function apply(target: V1Pod, ops: readonly JsonPatchOp[]): V1Pod {
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const { op, path, value } of ops) {
    expect(op).toBe("add");
    const keys = path.split("/").slice(1);
    const last = keys.pop() as string;
    let node: unknown = doc;
    for (const key of keys) {
      node = Array.isArray(node) ? node[Number(key)] : (node as Record<string, unknown>)[key];
      if (node === undefined) throw new Error(`${path}: parent missing`);
    }
    if (Array.isArray(node)) {
      if (last === "-") node.push(value);
      else node.splice(Number(last), 0, value);
    } else {
      const record = node as Record<string, unknown>;
      if (last in record) throw new Error(`${path}: add over an existing member`);
      record[last] = value;
    }
  }
  return doc as V1Pod;
}

function mutated(p: V1Pod, s: V1ServiceAccount = sa({ "azure.workload.identity/client-id": clientId })) {
  return apply(p, mutatePod(p, s, config));
}

const envOf = (c: V1Container | undefined) =>
  Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));

describe("mutatePod (Azure Workload Identity webhook v1.5.1 behaviour)", () => {
  it("adds the four env vars, the read-only mount and the projected token volume", () => {
    const out = mutated(pod());
    expect(envOf(out.spec?.containers[0])).toEqual({
      AZURE_CLIENT_ID: clientId,
      AZURE_TENANT_ID: "tenant-of-webhook",
      AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
      AZURE_AUTHORITY_HOST: "https://login.example.test/",
    });
    expect(out.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", readOnly: true },
    ]);
    expect(out.spec?.volumes).toEqual([
      {
        name: "azure-identity-token",
        projected: {
          sources: [
            {
              serviceAccountToken: {
                path: "azure-identity-token",
                expirationSeconds: 3600,
                audience: "api://AzureADTokenExchange",
              },
            },
          ],
        },
      },
    ]);
  });

  it("mutates init containers too, appending to env, mounts and volumes that exist", () => {
    const out = mutated(
      pod({
        initContainers: [{ name: "init", image: "x", env: [{ name: "A", value: "1" }] }],
        containers: [{ name: "main", image: "x", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        volumes: [{ name: "data", emptyDir: {} }],
      }),
    );
    expect(envOf(out.spec?.initContainers?.[0])).toMatchObject({ A: "1", AZURE_CLIENT_ID: clientId });
    expect(out.spec?.initContainers?.[0]?.volumeMounts?.map((m) => m.name)).toEqual(["azure-identity-token"]);
    expect(out.spec?.containers[0]?.volumeMounts?.map((m) => m.name)).toEqual([
      "data",
      "azure-identity-token",
    ]);
    expect(out.spec?.volumes?.map((v) => v.name)).toEqual(["data", "azure-identity-token"]);
  });

  it("never overwrites env the container already has, by value or valueFrom", () => {
    const out = mutated(
      pod({
        containers: [
          {
            name: "main",
            image: "x",
            env: [
              { name: "AZURE_CLIENT_ID", value: "mine" },
              { name: "AZURE_TENANT_ID", valueFrom: { configMapKeyRef: { name: "c", key: "t" } } },
            ],
          },
        ],
      }),
    );
    const env = out.spec?.containers[0]?.env ?? [];
    expect(env.filter((e) => e.name === "AZURE_CLIENT_ID")).toEqual([
      { name: "AZURE_CLIENT_ID", value: "mine" },
    ]);
    expect(env.filter((e) => e.name === "AZURE_TENANT_ID")).toHaveLength(1);
    expect(env.map((e) => e.name)).toContain("AZURE_FEDERATED_TOKEN_FILE");
  });

  it("leaves AZURE_CLIENT_ID out when the ServiceAccount has no client-id annotation", () => {
    const env = envOf(mutated(pod(), sa()).spec?.containers[0]);
    expect(Object.keys(env)).toEqual([
      "AZURE_TENANT_ID",
      "AZURE_FEDERATED_TOKEN_FILE",
      "AZURE_AUTHORITY_HOST",
    ]);
  });

  it("takes the tenant from the ServiceAccount annotation over the configured one", () => {
    const env = envOf(
      mutated(pod(), sa({ "azure.workload.identity/tenant-id": "sa-tenant" })).spec?.containers[0],
    );
    expect(env.AZURE_TENANT_ID).toBe("sa-tenant");
  });

  it("skips containers named in skip-containers (; separated, trimmed) but still adds the volume", () => {
    const out = mutated(
      pod(
        {
          initContainers: [{ name: "init", image: "x" }],
          containers: [
            { name: "main", image: "x" },
            { name: "side", image: "x" },
          ],
        },
        { "azure.workload.identity/skip-containers": "init; side" },
      ),
    );
    expect(out.spec?.initContainers?.[0]?.env).toBeUndefined();
    expect(out.spec?.containers[1]?.env).toBeUndefined();
    expect(out.spec?.containers[1]?.volumeMounts).toBeUndefined();
    expect(envOf(out.spec?.containers[0]).AZURE_CLIENT_ID).toBe(clientId);
    expect(out.spec?.volumes?.map((v) => v.name)).toEqual(["azure-identity-token"]);
  });

  it("keeps a mount or a token projection that is already there (no second one)", () => {
    const existing = {
      name: "mine",
      projected: { sources: [{ serviceAccountToken: { path: "azure-identity-token", audience: "other" } }] },
    };
    const out = mutated(
      pod({
        containers: [
          {
            name: "main",
            image: "x",
            volumeMounts: [{ name: "azure-identity-token", mountPath: "/elsewhere" }],
          },
        ],
        volumes: [existing],
      }),
    );
    expect(out.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "azure-identity-token", mountPath: "/elsewhere" },
    ]);
    expect(out.spec?.volumes).toEqual([existing]);
  });

  it("takes expirationSeconds from the Pod annotation first, then the ServiceAccount's", () => {
    const key = "azure.workload.identity/service-account-token-expiration";
    const expiration = (p: V1Pod, s: V1ServiceAccount) =>
      mutated(p, s).spec?.volumes?.[0]?.projected?.sources?.[0]?.serviceAccountToken?.expirationSeconds;
    expect(expiration(pod(), sa({ [key]: "7200" }))).toBe(7200);
    expect(expiration(pod({}, { [key]: "86400" }), sa({ [key]: "7200" }))).toBe(86400);
    // An empty pod annotation counts as absent, as in the Go code.
    expect(expiration(pod({}, { [key]: "" }), sa({ [key]: "5000" }))).toBe(5000);
  });

  it.each([
    ["3599", "token expiration 3599 not valid. Expected value to be between 3600 and 86400"],
    ["86401", "token expiration 86401 not valid. Expected value to be between 3600 and 86400"],
    ["1h", 'strconv.ParseInt: parsing "1h": invalid syntax'],
    ["99999999999999999999", 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
  ])("refuses token expiration %s with the real webhook's words", (value, message) => {
    const p = pod({}, { "azure.workload.identity/service-account-token-expiration": value });
    let caught: unknown;
    try {
      mutatePod(p, sa(), config);
    } catch (error) {
      caught = error;
    }
    expect(isWorkloadIdentityError(caught) && caught.code).toBe("WI_TOKEN_EXPIRATION_INVALID");
    expect((caught as Error).message).toBe(message);
  });

  it("uses the configured audience when given", () => {
    const p = pod();
    const ops = mutatePod(p, sa(), { ...config, audience: "api://custom" });
    expect(apply(p, ops).spec?.volumes?.[0]?.projected?.sources?.[0]?.serviceAccountToken?.audience).toBe(
      "api://custom",
    );
  });
});
