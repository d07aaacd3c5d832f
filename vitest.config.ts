import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Where the unit tests record which preflight failure codes they produced (test/helpers/produced-failures.ts):
// fresh for each run, read by the failure catalogue test, which runs after them.
const producedFailuresDir = join(tmpdir(), `spirl-keywrap-produced-failures-${process.pid}-${Date.now()}`);

export default defineConfig({
  test: {
    // The global teardown stops the API server and etcd; allow for a busy two-core CI machine.
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/cluster/**", "test/pods/**", "test/preflight/failure-catalogue.test.ts"],
          // Many tests start real processes (helm, the SDK in a child, the emulator); two cores are shared.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          provide: { producedFailuresDir },
          // With the cluster, before the failure catalogue (2). Not 0: vitest 5.1 runs a group 0 after group 1.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Checks that the unit tests produced every preflight failure code, so it runs after them.
        test: {
          name: "failure-catalogue",
          include: ["test/preflight/failure-catalogue.test.ts"],
          sequence: { groupOrder: 2 },
          provide: { producedFailuresDir },
        },
      },
      {
        // Tests against a real etcd + kube-apiserver started once by the global setup.
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts"],
          globalSetup: ["test/helpers/cluster-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Scenarios on a local cluster that runs Pods (node agent, Workload Identity webhook, emulator),
        // started once by the global setup; helm install/upgrade with hooks, as on AKS.
        test: {
          name: "pods",
          include: ["test/pods/**/*.test.ts"],
          globalSetup: ["test/helpers/pods-setup.ts"],
          testTimeout: 420_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
