// A local Kubernetes for the demo and the tests, beside the product like the emulator: never imported by
// product code (test/emulator/product-imports.test.ts). Built from the real binaries `npm run tools` makes.
export * from "./control-plane/index.ts";
