// Server benchmarks, all in one process: JWT-SVID issuance per second against `jose` signing the same
// token alone (the floor any issuer pays), through the library and through HTTP with p50/p99 latency;
// X509-SVID issuance per second; start-up with 2, 100 and 1,000 SigningKeys at 0 and 20 ms added HSM RTT on a
// local API server (BENCH_STARTUP=0 skips it). Run: npm run bench:server (BENCH_DURATION_MS, BENCH_CLIENTS tune it).
import { Agent, request } from "node:http";
import { SignJWT } from "jose";
import { cachedTokenReviewer, startSvidServer, type TokenReviewer } from "../src/server/index.ts";
import { generateSigningKey, issueJwtSvid, issueX509Svid, MemorySigningKeySet } from "../src/svid/index.ts";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 500);
const clients = Number(process.env.BENCH_CLIENTS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const spiffeId = "spiffe://example.org/ns/payments/sa/api";

/** Operations per second of `operation`, run back to back by `parallel` loops for `durationMs`. */
async function throughput(
  operation: () => Promise<unknown>,
  parallel = 1,
  forMs = durationMs,
): Promise<number> {
  for (let i = 0; i < 20; i++) await operation(); // warm-up
  let count = 0;
  const deadline = performance.now() + forMs;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < deadline) {
        await operation();
        count++;
      }
    }),
  );
  return (count * 1000) / forMs;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

const benchAudience = "spirl-bench";

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const [jwtKey, caKey] = await Promise.all([
    generateSigningKey({ use: "jwt-svid", trustDomain: "example.org", lifetimeSeconds: 86_400 }),
    generateSigningKey({ use: "x509-svid", trustDomain: "example.org", lifetimeSeconds: 86_400 }),
  ]);
  const keys = new MemorySigningKeySet();
  keys.put(jwtKey, "active");
  keys.put(caKey, "active");
  // The cache screens a token's shape, expiry and audience before it asks the reviewer.
  const claims = { aud: benchAudience, exp: Math.floor(Date.now() / 1000) + 3600 };
  const bearer = ["{}", JSON.stringify(claims), "sig"]
    .map((part) => Buffer.from(part).toString("base64url"))
    .join(".");
  // A reviewer that answers at once: the benchmark measures the server, not the API server.
  const instant: TokenReviewer = {
    review: async () => ({ authenticated: true, username: "system:serviceaccount:payments:api" }),
  };
  const server = await startSvidServer({
    trustDomain: "example.org",
    keys,
    reviewer: cachedTokenReviewer(instant, { audience: benchAudience }),
    insecureHttp: true,
    listen: { host: "127.0.0.1", port: 0 },
  });
  const rssAfterStart = process.memoryUsage().rss;

  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const post = (path: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        `${server.url}${path}`,
        {
          method: "POST",
          agent,
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const joseAlone = () =>
    new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: jwtKey.keyId, typ: "JWT" })
      .setSubject(spiffeId)
      .setAudience(["billing"])
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(jwtKey.privateKey);
  const library = () => issueJwtSvid({ key: jwtKey, spiffeId, audience: ["billing"], ttlSeconds: 300 });
  const jwtBody = JSON.stringify({ audience: ["billing"] });

  const samples = { jose: [] as number[], library: [] as number[], http: [] as number[] };
  const ratios = { library: [] as number[], http: [] as number[] };
  const httpLatencies: number[] = [];
  // Short interleaved rounds, each ratio taken within its round: a slow moment of a shared machine hits
  // the contenders of a round alike, and the median ratio ignores the worst rounds.
  for (let round = 0; round < rounds; round++) {
    const jose = await throughput(joseAlone);
    const viaLibrary = await throughput(library);
    latencies.length = 0;
    const viaHttp = await throughput(() => post("/svid/jwt", jwtBody), clients);
    httpLatencies.push(...latencies);
    samples.jose.push(jose);
    samples.library.push(viaLibrary);
    samples.http.push(viaHttp);
    ratios.library.push(viaLibrary / jose);
    ratios.http.push(viaHttp / jose);
  }
  httpLatencies.sort((a, b) => a - b);

  const csrKeys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  const csr = (
    await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=bench",
      keys: csrKeys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    })
  ).toString("pem");
  // @peculiar/x509 signs through WebCrypto, which runs on libuv's thread pool: the library is measured
  // one at a time and with as many in flight as the HTTP clients, which is what the server sees.
  const issueOne = () => issueX509Svid({ ca: caKey, csrPem: csr, spiffeId, ttlSeconds: 3600 });
  const x509Sequential = await throughput(issueOne, 1, durationMs * 4);
  const x509Parallel = await throughput(issueOne, clients, durationMs * 4);
  latencies.length = 0;
  const x509Http = await throughput(
    () => post("/svid/x509", JSON.stringify({ csr })),
    clients,
    durationMs * 4,
  );
  const x509Latencies = [...latencies].sort((a, b) => a - b);

  await server.close();
  agent.destroy();
  const jose = median(samples.jose);
  const round1 = (value: number) => Math.round(value);
  const ms = (value: number) => Number(value.toFixed(2));
  console.log(
    JSON.stringify(
      {
        jwtSvidPerSecond: {
          joseSignAlone: round1(jose),
          issueJwtSvid: round1(median(samples.library)),
          ratioLibraryToJose: Number(median(ratios.library).toFixed(2)),
          overHttp: round1(median(samples.http)),
          ratioHttpToJose: Number(median(ratios.http).toFixed(2)),
          httpLatencyMs: {
            p50: ms(percentile(httpLatencies, 0.5)),
            p99: ms(percentile(httpLatencies, 0.99)),
          },
        },
        x509SvidPerSecond: {
          issueX509Svid: round1(x509Sequential),
          [`issueX509Svid${clients}InFlight`]: round1(x509Parallel),
          overHttp: round1(x509Http),
          httpLatencyMs: {
            p50: ms(percentile(x509Latencies, 0.5)),
            p99: ms(percentile(x509Latencies, 0.99)),
          },
        },
        clients,
        rounds,
        durationMsPerRun: durationMs,
        rssMb: { beforeStart: round1(rssBefore / 2 ** 20), afterStart: round1(rssAfterStart / 2 ** 20) },
      },
      null,
      2,
    ),
  );
}

/**
 * Start-up with N SigningKeys at 0 and 20 ms added HSM round trip (the emulator's latency fault): the
 * store's list plus one HSM decrypt per key (what `spirl-keywrap server` does before it is ready), on a
 * local API server. Reported against the floor N × RTT / concurrency. Needs the cluster tools
 * (`npm run tools`); without them the section is skipped.
 */
async function startUp(): Promise<Record<string, unknown>> {
  const { startLocalCluster } = await import("../test/helpers/local-cluster.ts");
  const { installCrds, createNamespace } = await import("../test/keystore/cluster-fixture.ts");
  const { startEmulator } = await import("../src/emulator/index.ts");
  const { createDefaultCredential, ManagedHsmKeyClient } = await import("../src/hsm/index.ts");
  const { SigningKeyStore } = await import("../src/keystore/index.ts");
  const { KeyClient } = await import("@azure/keyvault-keys");
  const { KubeConfig } = await import("@kubernetes/client-node");
  const { getCACertificates, setDefaultCACertificates } = await import("node:tls");
  const { prepareSigningKeys } = await import("../src/server/index.ts");
  const { storeNewSigningKey } = await import("../src/server/store-new-signing-key.ts");

  const cluster = await startLocalCluster();
  const emulator = await startEmulator();
  try {
    setDefaultCACertificates([...getCACertificates("default"), emulator.caCertificate]);
    for (const name of ["HTTPS_PROXY", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"])
      process.env[name] = emulator.env[name];
    const url = `${emulator.env.AZURE_KEYVAULT_URL}/`;
    const credential = createDefaultCredential({ workloadIdentityOnly: true });
    await new KeyClient(url, credential).createKey("bench-kek", "oct-HSM");
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfig);
    await installCrds(kubeConfig);
    const concurrency = 4; // the store's default
    const storeOn = (namespace: string) =>
      new SigningKeyStore({
        kubeConfig,
        namespace,
        trustDomain: "example.org",
        kek: { url, name: "bench-kek" },
        hsm: new ManagedHsmKeyClient({ vaultUrl: url, credential }),
        concurrency,
        timeoutMs: 600_000,
      });
    const results: Record<string, unknown> = {};
    for (const n of [0, 99, 999]) {
      const namespace = await createNamespace(kubeConfig, `bench-${n}`);
      const filler = storeOn(namespace);
      // One x509-svid key plus jwt-svid-1 … jwt-svid-n (stored prepared; the first start activates the newest).
      await storeNewSigningKey({
        store: filler,
        trustDomain: "example.org",
        use: "x509-svid",
        notBefore: new Date(),
        lifetimeSeconds: 86_400,
      });
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < n) {
            const i = next++;
            await storeNewSigningKey({
              store: filler,
              trustDomain: "example.org",
              use: "jwt-svid",
              ...(i > 0 && { follows: `jwt-svid-${i}` }),
              notBefore: new Date(),
              lifetimeSeconds: 86_400,
            });
          }
        }),
      );
      const prepare = () =>
        prepareSigningKeys({
          store: storeOn(namespace), // a fresh HSM client, as after a restart
          trustDomain: "example.org",
          log: () => {},
        });
      await prepare(); // the first start activates the newest keys; the measured ones are restarts
      const decrypts = () =>
        emulator.state.log.entries().filter((entry) => entry.operation === "decrypt" && entry.status === 200)
          .length;
      for (const rttMs of [0, 20]) {
        emulator.state.faults.clear();
        if (rttMs > 0) emulator.state.faults.add({ kind: "latency", latencyMs: rttMs, hsm: "localhsm" });
        const decryptsBefore = decrypts();
        const started = performance.now();
        const { keys } = await prepare();
        const wallMs = performance.now() - started;
        // At best, `concurrency` decrypts overlap: ⌈keys / concurrency⌉ round trips.
        const floorMs = Math.ceil(keys.published().length / concurrency) * rttMs;
        // Labelled by the keys held: the fewest a server can hold is 2, one per use (1 is not a state it runs in).
        results[`${keys.published().length}keys_${rttMs}msRtt`] = {
          wallMs: Math.round(wallMs),
          hsmDecrypts: decrypts() - decryptsBefore,
          ...(floorMs > 0 && {
            floorMs: Math.round(floorMs),
            wallToFloor: Number((wallMs / floorMs).toFixed(2)),
          }),
        };
      }
      emulator.state.faults.clear();
    }
    return results;
  } finally {
    await emulator.close();
    await cluster.stop();
  }
}

await main();
if (process.env.BENCH_STARTUP !== "0") {
  try {
    console.log(JSON.stringify({ startUpWithKeys: await startUp() }, null, 2));
  } catch (error) {
    console.log(`start-up section skipped: ${error instanceof Error ? error.message : String(error)}`);
  }
}
