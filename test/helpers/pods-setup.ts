// vitest globalSetup of the "pods" project: one local cluster that runs Pods (control plane, controllers,
// scheduler, a node, the Workload Identity webhook) and its emulator, for all the scenario tests.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildPreflight, buildServer } from "../../scripts/build-preflight.ts";
import { localIdentity, startLocalCluster } from "../../src/local-cluster/index.ts";
import type { ClusterInfo } from "./local-cluster.ts";

/** What a scenario test needs to reach the running cluster and emulator (plain data, for workers). */
export interface PodClusterInfo extends ClusterInfo {
  readonly logDir: string;
  readonly gatewayIp: string;
  readonly emulatorAdmin: { readonly url: string; readonly token: string };
  readonly tenantId: string;
  readonly identity: typeof localIdentity;
}

declare module "vitest" {
  export interface ProvidedContext {
    podCluster: PodClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // The Pods run the bundles, as the image does: build them from this checkout, into a folder of our own.
  const bundleDir = await mkdtemp(join(tmpdir(), "spirl-pod-bundles-"));
  // The chart's Pods run as uid 65532 (runAsNonRoot), and mkdtemp makes the folder owner-only.
  await chmod(bundleDir, 0o755);
  await Promise.all([
    buildPreflight(join(bundleDir, "preflight.mjs")),
    buildServer(join(bundleDir, "server.mjs")),
  ]);
  const cluster = await startLocalCluster({ bundleDir });
  console.log(`local cluster with a node ready at ${cluster.server} in ${Date.now() - started} ms`);
  project.provide("podCluster", {
    server: cluster.server,
    kubeconfig: cluster.kubeconfig,
    caFile: cluster.caFile,
    adminCertFile: cluster.adminCertFile,
    adminKeyFile: cluster.adminKeyFile,
    dir: cluster.dir,
    pki: cluster.pki,
    logDir: cluster.logDir,
    gatewayIp: cluster.network.gatewayIp,
    emulatorAdmin: { url: cluster.emulator.adminUrl, token: cluster.emulator.adminToken },
    tenantId: cluster.emulator.env.AZURE_TENANT_ID ?? "",
    identity: localIdentity,
  });
  return async () => {
    await cluster.stop();
    await rm(bundleDir, { recursive: true, force: true });
  };
}
