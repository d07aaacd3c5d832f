import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SpiffeBundle } from "../../src/svid/index.ts";
import { createTestPki, type TestPki } from "../../src/x509/index.ts";
import { keyAdminInProcess } from "../helpers/hsm-in-process.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { mintServiceAccountToken } from "../helpers/service-account-token.ts";
import { createNamespace, useKeystoreFixture } from "../keystore/cluster-fixture.ts";
import { call } from "../server/fixtures.ts";
import { makeCsr, verifyJwtSvid } from "../svid/fixtures.ts";

const fixture = useKeystoreFixture("kek-server");
const cluster = inject("cluster");
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const audience = "spirl-trust-domain-server";
const trustDomain = "example.org";

/** A `spirl-keywrap server` child process and what it printed. */
interface ServerProcess {
  readonly child: ChildProcess;
  readonly out: string[];
  readonly err: string[];
  /** Resolves with the URL once it serves, or rejects with its output if it exits first. */
  readonly ready: Promise<string>;
  readonly exited: Promise<number | null>;
}

function startServer(namespace: string, args: readonly string[] = []): ServerProcess {
  const child = spawn(
    process.execPath,
    [
      cli,
      "server",
      "--trust-domain",
      trustDomain,
      "--namespace",
      namespace,
      "--listen",
      "127.0.0.1:0",
      ...args,
    ],
    {
      env: {
        ...fixture.emulator.handle.env,
        PATH: process.env.PATH ?? "",
        KUBECONFIG: cluster.kubeconfig,
        SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: fixture.kek.url,
        SPIRL_KEYWRAP_AZURE_KEY_NAME: fixture.kekName,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => err.push(line));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      out.push(line);
      const url = /^serving SVIDs url=(\S+)/.exec(line)?.[1];
      if (url !== undefined) resolve(url);
    });
    void exited.then((code) => reject(new Error(`server exited ${code}: ${[...out, ...err].join(" | ")}`)));
  });
  // Observed here too: a test that expects an exit awaits `exited`, not `ready`.
  ready.catch(() => {});
  return { child, out, err, ready, exited };
}

async function hsmRequests(): Promise<number> {
  const log = (await fixture.emulator.admin("GET", "/requests")).json as { entries: unknown[] };
  return log.entries.length;
}

describe("spirl-keywrap server on the API server with the emulator's HSM", () => {
  let pki: TestPki;
  let dir: string;
  let token: string;
  const running: ServerProcess[] = [];
  const tlsArgs = () => ["--tls-cert-file", join(dir, "tls.crt"), "--tls-key-file", join(dir, "tls.key")];

  beforeAll(async () => {
    pki = await createTestPki({ serverNames: ["127.0.0.1"] });
    dir = await mkdtemp(join(tmpdir(), "server-start-"));
    await writeFile(join(dir, "tls.crt"), pki.serverCertificate);
    await writeFile(join(dir, "tls.key"), pki.serverKey);
    const { admin } = await connectCluster(cluster);
    token = await mintServiceAccountToken(admin, {
      namespace: `workload-${Date.now().toString(36)}`,
      serviceAccount: "payments",
      audience,
    });
  });
  afterAll(async () => {
    for (const server of running) server.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("starts on an empty namespace, serves SVIDs that verify, makes no HSM call while signing, stops on SIGTERM, and restarts on the same keys", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "server");
    const first = startServer(namespace, tlsArgs());
    running.push(first);
    const url = await first.ready;
    expect(first.out[0]).toBe(
      `Key wrapping via Azure Key Vault keyVaultURL=${fixture.kek.url} keyName=${fixture.kekName}`,
    );
    expect(first.out.some((line) => line.startsWith("Preflight passed"))).toBe(true);
    const { records } = await fixture.store(namespace).list();
    expect(records.map((record) => [record.name, record.state]).sort()).toEqual([
      ["jwt-svid-1", "active"],
      ["x509-svid-1", "active"],
    ]);
    const ca = pki.caCertificate;
    expect((await call(url, "GET", "/readyz", { ca })).status).toBe(200);
    const bundle = (await call(url, "GET", "/bundle", { ca })).json() as unknown as SpiffeBundle;

    const jwt = await call(url, "POST", "/svid/jwt", { ca, token, body: { audience: ["billing"] } });
    expect(jwt.status).toBe(200);
    const { payload } = await verifyJwtSvid(jwt.json().token as string, bundle, "billing");
    expect(payload.sub).toMatch(new RegExp(`^spiffe://${trustDomain}/ns/workload-[a-z0-9]+/sa/payments$`));
    const x509 = await call(url, "POST", "/svid/x509", { ca, token, body: { csr: await makeCsr() } });
    expect(x509.status).toBe(200);
    const leafPem = x509.json().certificates as string;
    const caPem = new X509Certificate(
      Buffer.from(bundle.keys.find((key) => key.use === "x509-svid")?.x5c?.[0] ?? "", "base64"),
    ).toString();
    await writeFile(join(dir, "bundle-ca.pem"), caPem);
    await writeFile(join(dir, "leaf.pem"), leafPem);
    expect(
      execFileSync("openssl", [
        "verify",
        "-CAfile",
        join(dir, "bundle-ca.pem"),
        join(dir, "leaf.pem"),
      ]).toString(),
    ).toContain(": OK");
    expect(new X509Certificate(leafPem).subjectAltName).toBe(`URI:${payload.sub}`);

    // Steady state: 1,000 SVIDs, not one request to the emulated HSM or Entra ID.
    const before = await hsmRequests();
    const csr = await makeCsr();
    for (let i = 0; i < 1000; i++) {
      const answer =
        i % 10 === 0
          ? await call(url, "POST", "/svid/x509", { ca, token, body: { csr } })
          : await call(url, "POST", "/svid/jwt", { ca, token, body: { audience: ["billing"] } });
      expect(answer.status).toBe(200);
    }
    expect(await hsmRequests()).toBe(before);

    // The HSM goes away: signing goes on, and health never asked it.
    await fixture.emulator.admin("POST", "/faults", { kind: "unavailable", probability: 1 });
    try {
      expect((await call(url, "POST", "/svid/jwt", { ca, token, body: { audience: ["a"] } })).status).toBe(
        200,
      );
      expect((await call(url, "GET", "/healthz", { ca })).status).toBe(200);
      expect((await call(url, "GET", "/readyz", { ca })).status).toBe(200);
    } finally {
      await fixture.emulator.admin("DELETE", "/faults");
    }

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // Restart: the same keys, opened from their envelopes; no new SigningKey.
    const second = startServer(namespace, tlsArgs());
    running.push(second);
    const again = await second.ready;
    const reloaded = (await call(again, "GET", "/bundle", { ca })).json() as unknown as SpiffeBundle;
    expect(reloaded.keys).toEqual(bundle.keys);
    const after = await fixture.store(namespace).list();
    expect(after.records.map((record) => [record.name, record.resourceVersion]).sort()).toEqual(
      records.map((record) => [record.name, record.resourceVersion]).sort(),
    );
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("refuses to start when the SigningKeys were wrapped with another key, naming both", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "server-mismatch");
    const store = fixture.store(namespace);
    await store.createKey({
      use: "jwt-svid",
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 3_600_000),
    });
    await keyAdminInProcess(fixture.emulator).createKey("kek-other", "oct-HSM");
    const server = startServer(namespace, ["--insecure-http", "--key-name", "kek-other"]);
    running.push(server);
    expect(await server.exited).toBe(40);
    const line = server.err.join("\n");
    expect(line).toContain("PROVIDER_MISMATCH");
    expect(line).toContain("kek-server");
    expect(line).toContain("kek-other");
    expect(server.out.some((entry) => entry.startsWith("serving SVIDs"))).toBe(false);
  });

  it("two replicas starting at once on an empty namespace end with one key per use, and both load a new one", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "server-race");
    const replicas = [
      startServer(namespace, ["--insecure-http"]),
      startServer(namespace, ["--insecure-http"]),
    ];
    running.push(...replicas);
    const urls = await Promise.all(replicas.map((replica) => replica.ready));
    const { records } = await fixture.store(namespace).list();
    expect(records.map((record) => [record.name, record.state]).sort()).toEqual([
      ["jwt-svid-1", "active"],
      ["x509-svid-1", "active"],
    ]);
    const bundles = await Promise.all(
      urls.map(async (url) => ((await call(url, "GET", "/bundle")).json() as unknown as SpiffeBundle).keys),
    );
    expect(bundles[0]).toEqual(bundles[1]);

    // Every replica watches the SigningKeys and loads what appears (here: the next jwt-svid key, prepared).
    const next = await fixture.store(namespace).createKey({
      use: "jwt-svid",
      follows: "jwt-svid-1",
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 3_600_000),
    });
    for (const url of urls) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const keys = ((await call(url, "GET", "/bundle")).json() as unknown as SpiffeBundle).keys;
        if (keys.some((key) => key.kid === next.record.spec.keyId)) break;
        if (Date.now() > deadline) throw new Error(`${url} did not publish ${next.record.name} within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    for (const replica of replicas) replica.child.kill("SIGTERM");
    expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual([0, 0]);
  });
});
