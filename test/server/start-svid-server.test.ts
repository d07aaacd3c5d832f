import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SvidServer } from "../../src/server/index.ts";
import type { SpiffeBundle } from "../../src/svid/index.ts";
import { createTestPki } from "../../src/x509/index.ts";
import { makeCsr, verifyJwtSvid } from "../svid/fixtures.ts";
import { call, startTestServer, watchedKeySet } from "./fixtures.ts";

const spiffeId = "spiffe://example.org/ns/payments/sa/api";
let running: SvidServer[] = [];
afterEach(async () => {
  await Promise.all(running.map((server) => server.close({ graceMs: 0 })));
  running = [];
});

async function start(...args: Parameters<typeof startTestServer>) {
  const started = await startTestServer(...args);
  running.push(started.server);
  return started;
}

describe("startSvidServer: issuing", () => {
  it("serves the bundle over HTTPS, and a JWT-SVID that verifies against it", async () => {
    const pki = await createTestPki({ serverNames: ["127.0.0.1"] });
    const { server, keys } = await start({
      tls: { cert: pki.serverCertificate, key: pki.serverKey },
      insecureHttp: false,
    });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const bundleAnswer = await call(server.url, "GET", "/bundle", { ca: pki.caCertificate });
    expect(bundleAnswer.status).toBe(200);
    const bundle = bundleAnswer.json() as unknown as SpiffeBundle;
    expect(bundle.spiffe_sequence).toBe(keys.sequence);
    expect(bundle.keys.map((key) => key.use).sort()).toEqual(["jwt-svid", "x509-svid"]);

    const answer = await call(server.url, "POST", "/svid/jwt", {
      ca: pki.caCertificate,
      token: "token-payments-api",
      body: { audience: ["billing"] },
    });
    expect(answer.status).toBe(200);
    const { payload } = await verifyJwtSvid(answer.json().token as string, bundle, "billing");
    expect(payload.sub).toBe(spiffeId);
  });

  it("issues an X509-SVID that chains to the served CA, naming the caller's service account only", async () => {
    const { server } = await start();
    const bundle = (await call(server.url, "GET", "/bundle")).json() as unknown as SpiffeBundle;
    const csr = await makeCsr({ uris: ["spiffe://example.org/ns/kube-system/sa/admin"] });
    const answer = await call(server.url, "POST", "/svid/x509", {
      token: "token-payments-api",
      body: { csr },
    });
    expect(answer.status).toBe(200);
    const pem = answer.json().certificates as string;
    const leaf = new X509Certificate(pem);
    expect(leaf.subjectAltName).toBe(`URI:${spiffeId}`);
    const x5c = bundle.keys.find((key) => key.use === "x509-svid")?.x5c?.[0] ?? "";
    const ca = new X509Certificate(Buffer.from(x5c, "base64"));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), "server-x509-"));
    try {
      await writeFile(join(dir, "ca.pem"), ca.toString());
      await writeFile(join(dir, "leaf.pem"), pem);
      const out = execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")]);
      expect(out.toString()).toContain(": OK");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("issues 1,000 SVIDs asking the key set for nothing but the active key in memory", async () => {
    const started = await startTestServer();
    await started.server.close();
    const { keys, asked } = watchedKeySet(started.keys);
    const { server, reviewer } = await start({ keys });
    const csr = await makeCsr();
    for (let i = 0; i < 1000; i++) {
      const answer =
        i % 10 === 0
          ? await call(server.url, "POST", "/svid/x509", { token: "token-payments-api", body: { csr } })
          : await call(server.url, "POST", "/svid/jwt", {
              token: "token-payments-api",
              body: { audience: ["a"] },
            });
      expect(answer.status).toBe(200);
    }
    // The SigningKeySet has no way to open or unwrap a key; this shows the request path used nothing else.
    expect(new Set(asked)).toEqual(new Set(["active"]));
    expect(asked).toHaveLength(1000);
    expect(reviewer.calls).toBe(1000);
  });
});

describe("startSvidServer: refusing", () => {
  it.each([
    ["no token", undefined, 401, "UNAUTHENTICATED"],
    ["a token the API server refuses", "token-unknown", 401, "UNAUTHENTICATED"],
    ["a user that is not a service account", "token-a-user", 403, "FORBIDDEN"],
  ])("answers %s with %i and signs nothing", async (_, token, status, code) => {
    const started = await startTestServer();
    await started.server.close();
    const { keys, asked } = watchedKeySet(started.keys);
    const { server } = await start({ keys });
    for (const [path, body] of [
      ["/svid/jwt", { audience: ["a"] }],
      ["/svid/x509", { csr: await makeCsr() }],
    ] as const) {
      const answer = await call(server.url, "POST", path, { ...(token !== undefined && { token }), body });
      expect(answer.status).toBe(status);
      expect(answer.json().error?.code).toBe(code);
      expect(answer.headers["content-type"]).toBe("application/json");
    }
    expect(asked).toEqual([]);
  });

  it.each([
    ["a body that is not JSON", "{", "application/json", 400, "INVALID_REQUEST"],
    ["an array body", "[]", "application/json", 400, "INVALID_REQUEST"],
    [
      "an unknown field",
      { audience: ["a"], sub: "spiffe://example.org/x" },
      "application/json",
      400,
      "INVALID_REQUEST",
    ],
    ["an invalid audience", { audience: [] }, "application/json", 400, "AUDIENCE_INVALID"],
    ["a form body", "audience=a", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["a body over the limit", { audience: ["a".repeat(70_000)] }, "application/json", 413, "BODY_TOO_LARGE"],
  ])("answers a JWT-SVID request with %s: %i %s", async (_, body, contentType, status, code) => {
    const { server } = await start();
    const answer = await call(server.url, "POST", "/svid/jwt", {
      token: "token-payments-api",
      body,
      contentType,
    });
    expect([answer.status, answer.json().error?.code]).toEqual([status, code]);
    expect(answer.text).not.toContain("token");
  });

  it("answers a CSR that is not one with 400 CSR_INVALID", async () => {
    const { server } = await start();
    const answer = await call(server.url, "POST", "/svid/x509", {
      token: "token-payments-api",
      body: { csr: 42 },
    });
    expect([answer.status, answer.json().error?.code]).toEqual([400, "CSR_INVALID"]);
  });

  it("drops a connection beyond maxConnections before it can send a request", async () => {
    const { server } = await start({ maxConnections: 1 });
    const { port } = new URL(server.url);
    const held = connect(Number(port), "127.0.0.1");
    await once(held, "connect");
    // Once the server counts the first connection, the next one is closed without an answer.
    await call(server.url, "GET", "/healthz").catch(() => undefined);
    const extra = connect(Number(port), "127.0.0.1");
    const received: Buffer[] = [];
    extra.on("data", (chunk: Buffer) => received.push(chunk));
    extra.on("error", () => {});
    extra.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await once(extra, "close");
    expect(Buffer.concat(received).toString()).toBe("");
    held.destroy();
  });

  it("answers unknown paths 404 and wrong methods 405 with Allow", async () => {
    const { server } = await start();
    const missing = await call(server.url, "GET", "/svid/other");
    expect([missing.status, missing.json().error?.code]).toEqual([404, "NOT_FOUND"]);
    const wrong = await call(server.url, "GET", "/svid/jwt");
    expect([wrong.status, wrong.json().error?.code, wrong.headers.allow]).toEqual([
      405,
      "METHOD_NOT_ALLOWED",
      "POST",
    ]);
  });

  it("answers within the request deadline when the token review is slow, and signs nothing after it", async () => {
    const started = await startTestServer();
    await started.server.close();
    const { keys, asked } = watchedKeySet(started.keys);
    let reviewed: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      reviewed = resolve;
    });
    const slow = {
      review: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        reviewed();
        return { authenticated: true, username: "system:serviceaccount:payments:api" };
      },
    };
    const { server } = await start({ keys, reviewer: slow, requestTimeoutMs: 200 });
    const answer = await call(server.url, "POST", "/svid/jwt", { token: "t", body: { audience: ["a"] } });
    expect([answer.status, answer.json().error?.code]).toEqual([503, "DEADLINE_EXCEEDED"]);
    await done;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked).toEqual([]);
  });
});

describe("startSvidServer: health, readiness, metrics", () => {
  it("is healthy without touching the reviewer, and ready only with an active key of each use", async () => {
    const broken = {
      calls: 0,
      review: async () => {
        broken.calls++;
        throw new Error("API server down");
      },
    };
    const { server, keys } = await start({ reviewer: broken });
    expect((await call(server.url, "GET", "/healthz")).status).toBe(200);
    expect((await call(server.url, "GET", "/readyz")).status).toBe(200);
    const [jwtKey] = keys.published().filter((key) => key.use === "jwt-svid");
    keys.remove(jwtKey?.keyId ?? "");
    const notReady = await call(server.url, "GET", "/readyz");
    expect([notReady.status, notReady.json().error?.code]).toEqual([503, "NOT_READY"]);
    expect((await call(server.url, "GET", "/healthz")).status).toBe(200);
    expect(broken.calls).toBe(0);
  });

  it("is not ready, and signs nothing, once the active key has expired", async () => {
    const { server, keys } = await start();
    const jwtKey = keys.active("jwt-svid");
    if (jwtKey === undefined) throw new Error("no jwt-svid key");
    keys.put({ ...jwtKey, notAfter: new Date(Date.now() - 1000) }, "active");
    const notReady = await call(server.url, "GET", "/readyz");
    expect([notReady.status, notReady.json().error?.code]).toEqual([503, "NOT_READY"]);
    const refused = await call(server.url, "POST", "/svid/jwt", {
      token: "token-payments-api",
      body: { audience: ["a"] },
    });
    expect([refused.status, refused.json().error?.code]).toEqual([503, "NOT_READY"]);
    const x509 = await call(server.url, "POST", "/svid/x509", {
      token: "token-payments-api",
      body: { csr: await makeCsr() },
    });
    expect(x509.status).toBe(200);
  });

  it("counts requests by operation, outcome and code, and keys by state and KEK version", async () => {
    const { server } = await start({ hsmCalls: () => ({ decrypt: 2, getKey: 1 }) });
    await call(server.url, "POST", "/svid/jwt", { token: "token-payments-api", body: { audience: ["a"] } });
    await call(server.url, "POST", "/svid/jwt", { body: { audience: ["a"] } });
    const text = (await call(server.url, "GET", "/metrics")).text;
    expect(text).toContain('spirl_keywrap_requests_total{operation="jwt_svid",outcome="ok",code="none"} 1');
    expect(text).toContain(
      'spirl_keywrap_requests_total{operation="jwt_svid",outcome="client_error",code="UNAUTHENTICATED"} 1',
    );
    expect(text).toContain('spirl_keywrap_signing_keys{use="jwt-svid",state="active"} 1');
    expect(text).toContain('spirl_keywrap_signing_keys_by_kek_version{kek_version="v1"} 2');
    expect(text).toContain('spirl_keywrap_hsm_calls_total{operation="decrypt"} 2');
    expect(text).not.toContain("token-payments-api");
  });
});

describe("startSvidServer: close", () => {
  it("stops accepting, lets the request in flight finish, then resolves", async () => {
    let release: (() => void) | undefined;
    const slow = {
      review: () =>
        new Promise<{ authenticated: boolean; username: string }>((resolve) => {
          release = () => resolve({ authenticated: true, username: "system:serviceaccount:payments:api" });
        }),
    };
    const { server } = await start({ reviewer: slow });
    const inFlight = call(server.url, "POST", "/svid/jwt", { token: "t", body: { audience: ["a"] } });
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.inFlight()).toBe(1);
    const closed = server.close({ graceMs: 30_000 });
    await expect(call(server.url, "GET", "/healthz")).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
    expect(server.inFlight()).toBe(0);
  });
});
