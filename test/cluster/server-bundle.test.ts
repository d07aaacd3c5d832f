// dist/server.mjs, built as `npm run build` does, run as the chart's Deployment runs it: settings from the
// environment only (the chart's variable names), no node_modules, a self-signed dev certificate.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connect } from "node:tls";
import { afterAll, describe, expect, inject, it } from "vitest";
import { buildServer } from "../../scripts/build-preflight.ts";
import { createNamespace, useKeystoreFixture } from "../keystore/cluster-fixture.ts";
import { call } from "../server/fixtures.ts";

const fixture = useKeystoreFixture("kek-server-bundle");
const cluster = inject("cluster");
const dir = await mkdtemp(join(tmpdir(), "server-bundle-"));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** The serving certificate a TLS handshake presents, as PEM (read without trusting it). */
async function peerCertificate(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false });
  await once(socket, "secureConnect");
  const raw = socket.getPeerX509Certificate()?.toString() ?? "";
  socket.destroy();
  return raw;
}

describe("dist/server.mjs", { timeout: 120_000 }, () => {
  it("starts from the chart's environment alone, serves HTTPS with a dev certificate it logs, and stops on SIGTERM", async () => {
    const bundle = join(dir, "server.mjs");
    expect(await buildServer(bundle)).toBeLessThan(4_000_000);
    const namespace = await createNamespace(fixture.kubeConfig, "server-bundle");
    const child = spawn(process.execPath, [bundle], {
      cwd: dir,
      env: {
        ...fixture.emulator.handle.env,
        PATH: process.env.PATH ?? "",
        KUBECONFIG: cluster.kubeconfig,
        NODE_PATH: "/nonexistent",
        SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: fixture.kek.url,
        SPIRL_KEYWRAP_AZURE_KEY_NAME: fixture.kekName,
        SPIRL_KEYWRAP_TRUST_DOMAIN: "example.org",
        SPIRL_KEYWRAP_NAMESPACE: namespace,
        SPIRL_KEYWRAP_LISTEN: "127.0.0.1:0",
        SPIRL_KEYWRAP_TOKEN_AUDIENCE: "spirl-trust-domain-server",
        SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "60s",
        SPIRL_KEYWRAP_LOG_FORMAT: "json",
        SPIRL_KEYWRAP_DEV_SELF_SIGNED_TLS: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const out: string[] = [];
    const err: string[] = [];
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => err.push(line));
    const exited = once(child, "exit").then(([code]) => code as number | null);
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        out.push(line);
        if (line.includes('"msg":"serving SVIDs"')) resolve((JSON.parse(line) as { url: string }).url);
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${[...out, ...err].join(" | ")}`)));
    });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(out.some((line) => line.includes("dev: serving with a self-signed certificate"))).toBe(true);

    // Plain HTTPS with default trust refuses it; trusting that one certificate, the probes answer.
    await expect(call(url, "GET", "/healthz")).rejects.toThrow(/self-signed|self signed/);
    const ca = await peerCertificate(url);
    expect((await call(url, "GET", "/healthz", { ca })).status).toBe(200);
    expect((await call(url, "GET", "/readyz", { ca })).status).toBe(200);
    expect((await fixture.store(namespace).list()).records.map((record) => record.state).sort()).toEqual([
      "active",
      "active",
    ]);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toEqual([]);
  });
});
