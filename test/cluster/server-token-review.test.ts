import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { decodeJwt, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  cachedTokenReviewer,
  kubernetesTokenReviewer,
  type SvidServer,
  startSvidServer,
} from "../../src/server/index.ts";
import type { SpiffeBundle } from "../../src/svid/index.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { mintServiceAccountToken } from "../helpers/service-account-token.ts";
import { call, startTestServer, watchedKeySet } from "../server/fixtures.ts";
import { trustDomain, verifyJwtSvid } from "../svid/fixtures.ts";

const cluster = inject("cluster");
const audience = "spirl-trust-domain-server";

// Callers prove who they are with projected service-account tokens, checked by TokenReview on a real
// API server: the only identity an SVID can name is the one the API server vouches for.
describe("server callers through TokenReview on the API server", () => {
  let server: SvidServer;
  let asked: string[];
  let namespace: string;
  let token: string;
  let otherAudienceToken: string;

  beforeAll(async () => {
    const { admin } = await connectCluster(cluster);
    namespace = `svid-${randomBytes(3).toString("hex")}`;
    token = await mintServiceAccountToken(admin, { namespace, serviceAccount: "payments", audience });
    const request = `/api/v1/namespaces/${namespace}/serviceaccounts/payments/token`;
    otherAudienceToken = (
      await admin.json<{ status: { token: string } }>("POST", request, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { audiences: ["api://AzureADTokenExchange"], expirationSeconds: 3600 },
      })
    ).status.token;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfig);
    const started = await startTestServer();
    await started.server.close();
    const watched = watchedKeySet(started.keys);
    asked = watched.asked;
    server = await startSvidServer({
      trustDomain,
      keys: watched.keys,
      reviewer: cachedTokenReviewer(kubernetesTokenReviewer({ kubeConfig, audience }), { audience }),
      insecureHttp: true,
      listen: { host: "127.0.0.1", port: 0 },
      processMetrics: false,
    });
  });
  afterAll(() => server?.close({ graceMs: 0 }));

  it("issues a JWT-SVID naming the service account the API server vouched for", async () => {
    const answer = await call(server.url, "POST", "/svid/jwt", { token, body: { audience: ["billing"] } });
    expect(answer.status).toBe(200);
    const bundle = (await call(server.url, "GET", "/bundle")).json() as unknown as SpiffeBundle;
    const { payload } = await verifyJwtSvid(answer.json().token as string, bundle, "billing");
    expect(payload.sub).toBe(`spiffe://${trustDomain}/ns/${namespace}/sa/payments`);
  });

  it("refuses with 401, signing nothing: no token, another audience's token, an expired token, a forged one", async () => {
    const keyFile = join(cluster.dir, "sa.key");
    const signingKey = createPrivateKey(await readFile(keyFile));
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    const { kid } = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
      kid: string;
    };
    const resign = (exp: number, key = signingKey) =>
      new SignJWT({ ...claims, iat: exp - 3600, nbf: exp - 3600, exp })
        .setProtectedHeader({ alg: "RS256", kid })
        .sign(key);
    // Same claims, same key, still valid: the API server accepts it, so the expired twin fails on expiry alone.
    const fresh = await resign(now + 1800);
    const freshAnswer = await call(server.url, "POST", "/svid/jwt", {
      token: fresh,
      body: { audience: ["a"] },
    });
    expect(freshAnswer.status).toBe(200);
    const before = asked.length;

    const expired = await resign(now - 60);
    const { privateKey: otherKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await resign(now + 1800, otherKey);
    for (const [what, bearer] of [
      ["none", undefined],
      ["other audience", otherAudienceToken],
      ["expired", expired],
      ["forged", forged],
    ] as const) {
      for (const [path, body] of [
        ["/svid/jwt", { audience: ["a"] }],
        ["/svid/x509", { csr: "unused: the caller is refused first" }],
      ] as const) {
        const answer = await call(server.url, "POST", path, {
          ...(bearer !== undefined && { token: bearer }),
          body,
        });
        expect([what, path, answer.status, answer.json().error?.code]).toEqual([
          what,
          path,
          401,
          "UNAUTHENTICATED",
        ]);
      }
    }
    expect(asked.length).toBe(before);
  });
});
