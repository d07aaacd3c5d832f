// Test certificates made with node:crypto alone (no openssl), for the emulator and for tests.
export { type CertificateRequest, createCertificate } from "./create-certificate.ts";
export { createTestPki, type TestPki, type TestPkiOptions } from "./test-pki.ts";
