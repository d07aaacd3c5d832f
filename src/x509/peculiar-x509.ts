// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API when it
// loads: import the library through this module only, so the polyfill is always evaluated first.
import "reflect-metadata";

export * as x509 from "@peculiar/x509";
