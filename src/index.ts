// The package's one public entry. Internal modules are imported from here only.
export type { CliIo } from "./cli/cli-io.ts";
export { runCli } from "./cli/run-cli.ts";
export * from "./emulator/index.ts";
export { packageVersion } from "./package-version.ts";
export * from "./x509/index.ts";
