// vitest globalSetup of the "cluster" project: one real control plane for all its test files.
import type { TestProject } from "vitest/node";
import { type ClusterInfo, startLocalCluster } from "./local-cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await startLocalCluster();
  console.log(`local cluster ready at ${cluster.server} in ${Date.now() - started} ms`);
  const { admin: _admin, anonymous: _anonymous, stop, ...info } = cluster;
  project.provide("cluster", info);
  return stop;
}
