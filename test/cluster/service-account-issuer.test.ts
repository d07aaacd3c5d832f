import { createPublicKey, randomBytes, verify } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { connectCluster } from "../helpers/local-cluster.ts";
import { mintServiceAccountToken } from "../helpers/service-account-token.ts";

const cluster = inject("cluster");

interface Jwk {
  kid: string;
  kty: string;
  alg: string;
  n: string;
  e: string;
}

// Later issues validate projected service-account tokens the way Entra ID does; prove the cluster can serve that.
describe("local cluster service-account issuer", () => {
  it("issues a token for api://AzureADTokenExchange that verifies against its anonymous OIDC discovery", async () => {
    const { admin, anonymous } = await connectCluster(cluster);
    const namespace = `issuer-${randomBytes(3).toString("hex")}`;
    const token = await mintServiceAccountToken(admin, {
      namespace,
      serviceAccount: "workload",
      audience: "api://AzureADTokenExchange",
    });

    const discovery = await anonymous.json<{ issuer: string; jwks_uri: string }>(
      "GET",
      "/.well-known/openid-configuration",
    );
    expect(discovery.issuer).toBe(cluster.server);
    const jwks = await anonymous.json<{ keys: Jwk[] }>("GET", new URL(discovery.jwks_uri).pathname);

    const [header, payload, signature] = token.split(".") as [string, string, string];
    const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    const { kid, alg } = decode(header);
    const claims = decode(payload);
    expect(alg).toBe("RS256");
    expect(claims).toMatchObject({
      iss: cluster.server,
      sub: `system:serviceaccount:${namespace}:workload`,
      aud: ["api://AzureADTokenExchange"],
    });
    const jwk = jwks.keys.find((key) => key.kid === kid);
    if (jwk === undefined) throw new Error(`kid ${kid} is not in the issuer's JWKS`);
    const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
    const signed = Buffer.from(`${header}.${payload}`);
    expect(verify("RSA-SHA256", signed, key, Buffer.from(signature, "base64url"))).toBe(true);
    // A tampered payload must not verify: the check above is not vacuous.
    const tampered = Buffer.from(
      `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: "x" })).toString("base64url")}`,
    );
    expect(verify("RSA-SHA256", tampered, key, Buffer.from(signature, "base64url"))).toBe(false);
  });
});
