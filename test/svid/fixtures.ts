// Shared by the svid and server tests: keys and CSRs made the way a workload would make them.
import "reflect-metadata";
import type { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { importJWK, type JWTPayload, jwtVerify } from "jose";
import { generateSigningKey, type SpiffeBundle, type SvidSigningKey } from "../../src/svid/index.ts";

export const trustDomain = "example.org";

/** One fresh key per use, one hour long. */
export async function signingKeys(): Promise<{ jwt: SvidSigningKey; ca: SvidSigningKey }> {
  const [jwt, ca] = await Promise.all([
    generateSigningKey({ use: "jwt-svid", trustDomain, lifetimeSeconds: 3600 }),
    generateSigningKey({ use: "x509-svid", trustDomain, lifetimeSeconds: 3600 }),
  ]);
  return { jwt, ca };
}

/** Options of {@link makeCsr}. */
export interface CsrOptions {
  /** Default: ECDSA P-256. */
  readonly algorithm?: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
  /** URI SANs the workload asks for (the server must ignore them). */
  readonly uris?: readonly string[];
  /** Subject the workload asks for. Default `CN=workload`. */
  readonly subject?: string;
}

/** A PKCS#10 request signed by a fresh key of the workload's, as PEM. */
export async function makeCsr(options: CsrOptions = {}): Promise<string> {
  const algorithm = options.algorithm ?? { name: "ECDSA", namedCurve: "P-256" };
  const signingAlgorithm = { ...algorithm, hash: "SHA-256" };
  const keys = (await crypto.subtle.generateKey(signingAlgorithm, false, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.subject ?? "CN=workload",
    keys,
    signingAlgorithm,
    extensions:
      options.uris === undefined
        ? []
        : [new x509.SubjectAlternativeNameExtension(options.uris.map((value) => ({ type: "url", value })))],
  });
  return csr.toString("pem");
}

/** Verifies a JWT-SVID the way a relying party does: the `jwt-svid` key of the bundle with its `kid`. */
export async function verifyJwtSvid(
  token: string,
  bundle: SpiffeBundle,
  audience: string,
): Promise<{ payload: JWTPayload; kid: string | undefined }> {
  const kid = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()).kid as string;
  const jwk = bundle.keys.find((key) => key.use === "jwt-svid" && key.kid === kid);
  if (jwk === undefined) throw new Error(`kid ${kid} is not a jwt-svid key of the bundle`);
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv ?? "", x: jwk.x ?? "", y: jwk.y ?? "" }, "ES256");
  const { payload, protectedHeader } = await jwtVerify(token, key, { audience, algorithms: ["ES256"] });
  return { payload, kid: protectedHeader.kid };
}
