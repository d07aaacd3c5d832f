import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The global teardown stops the API server and etcd; allow for a busy two-core CI machine.
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/cluster/**"],
          // Many tests start real processes (helm, the SDK in a child, the emulator); two cores are shared.
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
        },
      },
    ],
  },
});
