// A local Kubernetes for the demo and the tests, beside the product like the emulator: never imported by
// product code (test/emulator/product-imports.test.ts). Built from the real binaries `npm run tools` makes.
export * from "./control-plane/index.ts";
export { keywrapImage, projectImages, svidClientImage } from "./project-images.ts";
export {
  type LocalCluster,
  localIdentity,
  type StartLocalClusterOptions,
  startLocalCluster,
} from "./start-local-cluster.ts";
export { runSvidClientPod, type SvidClientResult } from "./workloads/svid-client-pod.ts";
