// Test certificates made in-process with @peculiar/x509 (no openssl), for the emulator and for tests.
export { type CertificateRequest, createCertificate } from "./create-certificate.ts";
export { createTestPki, type TestPki, type TestPkiOptions } from "./test-pki.ts";
