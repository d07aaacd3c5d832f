import { createPublicKey, type KeyObject } from "node:crypto";
import { get } from "node:https";
import { rootCertificates } from "node:tls";
import { readBody } from "../http/read-body.ts";

/** Where to find an issuer's keys and which CAs to trust on the way (its own, e.g. a cluster CA). */
export interface TrustedIssuer {
  /** The `iss` value, exactly as tokens carry it. */
  readonly issuer: string;
  /** Extra PEM CA certificates for its HTTPS endpoints. Default: the public roots only. */
  readonly ca?: readonly string[];
}

/**
 * The issuer's signing keys by `kid`, found the way Entra does it: the OIDC discovery document at
 * `{issuer}/.well-known/openid-configuration` (whose `issuer` must match), then its `jwks_uri`.
 * Fetched for every assertion so key rotation at the issuer is seen at once.
 */
export async function fetchIssuerKeys(trusted: TrustedIssuer): Promise<Map<string, KeyObject>> {
  const ca = [...rootCertificates, ...(trusted.ca ?? [])];
  const discovery = await getJson(
    `${trusted.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
    ca,
  );
  if (discovery.issuer !== trusted.issuer)
    throw new Error(`discovery document names issuer '${String(discovery.issuer)}', not '${trusted.issuer}'`);
  if (typeof discovery.jwks_uri !== "string" || !discovery.jwks_uri.startsWith("https://"))
    throw new Error("discovery document has no https jwks_uri");
  const jwks = await getJson(discovery.jwks_uri, ca);
  const keys = new Map<string, KeyObject>();
  for (const jwk of Array.isArray(jwks.keys) ? (jwks.keys as Record<string, unknown>[]) : []) {
    if (typeof jwk.kid !== "string") continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }));
    } catch {
      // A key type Node cannot import cannot have signed anything we accept; skip it.
    }
  }
  return keys;
}

function getJson(url: string, ca: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = get(
      url,
      {
        ca,
        timeout: 5000,
        // A Kubernetes API server answers its JWKS only as application/jwk-set+json (406 otherwise).
        headers: { accept: "application/json, application/jwk-set+json" },
      },
      (response) => {
        // readBody rejects when the issuer drops the connection mid-body, and caps the size.
        readBody(response).then((body) => {
          if (response.statusCode !== 200)
            return reject(new Error(`GET ${url} returned ${response.statusCode}`));
          try {
            resolve(JSON.parse(body.toString("utf8")) as Record<string, unknown>);
          } catch (error) {
            reject(new Error(`GET ${url} did not return JSON`, { cause: error }));
          }
        }, reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on("error", reject);
  });
}
