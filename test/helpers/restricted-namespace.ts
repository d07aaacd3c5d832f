import { randomBytes } from "node:crypto";
import type { KubeClient } from "./kube-client.ts";

/**
 * A new namespace `<prefix>-<random>` that enforces the restricted Pod Security Standard (latest), as the
 * chart is meant to run in; returns its name.
 */
export async function createRestrictedNamespace(admin: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await admin.json("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  });
  return name;
}
