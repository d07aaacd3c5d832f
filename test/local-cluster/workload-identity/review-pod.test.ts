import type { V1ServiceAccount } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { type ReadServiceAccount, reviewPod } from "../../../src/local-cluster/workload-identity/index.ts";

const config = { tenantId: "t", authorityHost: "https://login.example.test/" };

function review(object: unknown, namespace = "ns") {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "uid-123", namespace, operation: "CREATE", object },
  };
}

const labelledPod = (serviceAccountName?: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { generateName: "p-", labels: { "azure.workload.identity/use": "true" } },
  spec: { ...(serviceAccountName && { serviceAccountName }), containers: [{ name: "c", image: "x" }] },
});

describe("reviewPod", () => {
  it("reads the ServiceAccount in the request's namespace, echoes the uid and returns a base64 JSON Patch", async () => {
    const reads: string[] = [];
    const read: ReadServiceAccount = async (namespace, name) => {
      reads.push(`${namespace}/${name}`);
      return { metadata: { name, annotations: { "azure.workload.identity/client-id": "cid" } } };
    };
    const answer = await reviewPod(review(labelledPod("app")), read, config);
    expect(reads).toEqual(["ns/app"]);
    expect(answer?.response).toMatchObject({ uid: "uid-123", allowed: true, patchType: "JSONPatch" });
    const ops = JSON.parse(Buffer.from(answer?.response.patch ?? "", "base64").toString("utf8"));
    expect(ops).toContainEqual({
      op: "add",
      path: "/spec/containers/0/env",
      value: expect.arrayContaining([{ name: "AZURE_CLIENT_ID", value: "cid" }]),
    });
  });

  it("reads the `default` ServiceAccount when the Pod names none", async () => {
    const reads: string[] = [];
    await reviewPod(
      review(labelledPod()),
      async (namespace, name) => {
        reads.push(`${namespace}/${name}`);
        return {} as V1ServiceAccount;
      },
      config,
    );
    expect(reads).toEqual(["ns/default"]);
  });

  it("refuses with code 400 and the read's own message when the ServiceAccount cannot be read", async () => {
    const answer = await reviewPod(
      review(labelledPod("ghost")),
      async () => {
        throw new Error('serviceaccounts "ghost" not found');
      },
      config,
    );
    expect(answer?.response).toEqual({
      uid: "uid-123",
      allowed: false,
      status: { code: 400, message: 'serviceaccounts "ghost" not found' },
    });
  });

  it("refuses an invalid token expiration with its message", async () => {
    const p = labelledPod("app");
    const withAnnotation = {
      ...p,
      metadata: {
        ...p.metadata,
        annotations: { "azure.workload.identity/service-account-token-expiration": "60" },
      },
    };
    const answer = await reviewPod(review(withAnnotation), async () => ({}), config);
    expect(answer?.response.allowed).toBe(false);
    expect(answer?.response.status?.message).toMatch(/^token expiration 60 not valid/);
  });

  it("refuses a request that carries no Pod, and has nothing to answer without a uid", async () => {
    const answer = await reviewPod(review({ kind: "Secret" }), async () => ({}), config);
    expect(answer?.response).toMatchObject({ uid: "uid-123", allowed: false, status: { code: 400 } });
    expect(await reviewPod({ request: {} }, async () => ({}), config)).toBeUndefined();
    expect(await reviewPod(null, async () => ({}), config)).toBeUndefined();
  });
});
