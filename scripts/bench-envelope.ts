// `npm run bench:envelope`: the envelope's seal/open throughput against raw node:crypto AES-256-GCM on the
// same plaintext (a P-256 PKCS#8 key), and opening N = 10, 100, 1000 records through the emulator at an
// added round trip of 0 and 20 ms: wall time against the floor N × RTT / concurrency, and HSM calls
// (exactly one decrypt per record, from the emulator's own request log). Everything runs in this process.
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { KeyClient } from "@azure/keyvault-keys";
import { startEmulator } from "../src/emulator/index.ts";
import {
  type Envelope,
  openEnvelope,
  publicJwkOf,
  type RecordLocation,
  sealPrivateKey,
} from "../src/envelope/index.ts";
// Internals, for the envelope's own cost without the HSM round trip (one DEK unwrapped once, then reused).
import { unwrapDek } from "../src/envelope/kek-calls.ts";
import { checkedAad, decryptPrivateKey } from "../src/envelope/open-envelope.ts";
import { parseEnvelope } from "../src/envelope/parse-envelope.ts";
import { createDefaultCredential, ManagedHsmKeyClient } from "../src/hsm/index.ts";

const emulator = await startEmulator();
setDefaultCACertificates([...getCACertificates("default"), emulator.caCertificate]);
for (const name of ["HTTPS_PROXY", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"])
  process.env[name] = emulator.env[name];
const url = `${emulator.env.AZURE_KEYVAULT_URL}/`;
const credential = createDefaultCredential({ workloadIdentityOnly: true });
const kekConfig = { url, name: "bench-kek" };
const client = () => new ManagedHsmKeyClient({ vaultUrl: url, credential });

async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function perSecond(count: number, run: () => void): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) run();
  return (count * 1000) / (performance.now() - started);
}

async function perSecondAsync(count: number, concurrency: number, run: (i: number) => Promise<unknown>) {
  const started = performance.now();
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    run,
  );
  return (count * 1000) / (performance.now() - started);
}

// Client sockets opened by this process (the SDK's proxy agent opens a CONNECT tunnel, so a new TCP + TLS
// connection, per request: that, not the envelope, is most of the per-record cost measured here).
let socketsOpened = 0;
subscribe("net.client.socket", () => {
  socketsOpened++;
});

const decryptsServed = () =>
  emulator.state.log.entries().filter((entry) => entry.operation === "decrypt" && entry.status === 200)
    .length;

try {
  await new KeyClient(url, credential).createKey("bench-kek", "oct-HSM");
  const hsm = client();
  const kek = await hsm.getKey("bench-kek");
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const publicKey = publicJwkOf(privateKey);
  const location = (name: string) => ({
    trustDomain: "example.org",
    namespace: "bench",
    name,
    keyId: `kid-${name}`,
    use: "jwt-svid",
  });

  // 1. Throughput: raw AES-256-GCM (fresh key and nonce each time, as the envelope does) vs the envelope.
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const sealedRaw = (() => {
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    return { value: Buffer.concat([cipher.update(der), cipher.final()]), tag: cipher.getAuthTag() };
  })();
  const rawSeal = perSecond(20_000, () => {
    const cipher = createCipheriv("aes-256-gcm", randomBytes(32), randomBytes(12));
    Buffer.concat([cipher.update(der), cipher.final()]);
    cipher.getAuthTag();
  });
  const rawOpen = perSecond(20_000, () => {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(sealedRaw.tag);
    Buffer.concat([decipher.update(sealedRaw.value), decipher.final()]);
  });
  for (const concurrency of [1, 8]) {
    const count = 400;
    const sealed: Envelope[] = [];
    const seal = await perSecondAsync(count, concurrency, async (i) => {
      sealed[i] = (
        await sealPrivateKey({ privateKey, location: location(`k${i}`), kekConfig, kek, hsm })
      ).envelope;
    });
    const open = await perSecondAsync(count, concurrency, (i) =>
      openEnvelope({
        envelope: sealed[i],
        location: { ...location(`k${i}`), publicKey },
        kekConfig,
        hsm,
      }),
    );
    if (concurrency === 1) {
      const first = sealed[0] as Envelope;
      const where = { ...location("k0"), publicKey };
      const dek = await unwrapDek(
        hsm,
        parseEnvelope(first, kekConfig),
        checkedAad(parseEnvelope(first, kekConfig), { location: where, kekConfig }),
      );
      const localOpen = perSecond(5_000, () => {
        const parsed = parseEnvelope(first, kekConfig);
        decryptPrivateKey(dek, parsed, checkedAad(parsed, { location: where, kekConfig }), where);
      });
      console.log(
        `envelope open without the HSM call (parse, context check, JCS, AES-256-GCM, PKCS#8 parse, public key check): ${Math.round(localOpen)}/s; raw decrypt / this: ${(rawOpen / localOpen).toFixed(1)}×`,
      );
      dek.fill(0);
    }
    console.log(
      `concurrency ${concurrency}: envelope seal ${Math.round(seal)}/s, open ${Math.round(open)}/s (through the emulator, 0 ms added RTT)`,
    );
    console.log(
      `  raw AES-256-GCM on the same ${der.length}-byte PKCS#8: encrypt ${Math.round(rawSeal)}/s, decrypt ${Math.round(rawOpen)}/s; ratio raw/envelope: seal ${(rawSeal / seal).toFixed(0)}×, open ${(rawOpen / open).toFixed(0)}×`,
    );
  }

  // 2. Opening N records through the emulator at 0 and 20 ms added round trip.
  const records: { envelope: Envelope; location: RecordLocation }[] = [];
  await mapLimit(
    Array.from({ length: 1000 }, (_, i) => i),
    8,
    async (i) => {
      const { envelope } = await sealPrivateKey({
        privateKey,
        location: location(`r${i}`),
        kekConfig,
        kek,
        hsm,
      });
      records[i] = { envelope, location: { ...location(`r${i}`), publicKey } };
    },
  );
  for (const rttMs of [0, 20]) {
    emulator.state.faults.clear();
    if (rttMs > 0) emulator.state.faults.add({ kind: "latency", latencyMs: rttMs, hsm: "localhsm" });
    for (const concurrency of [4, 16]) {
      for (const n of [10, 100, 1000]) {
        const opener = client(); // a cold client, as after a restart: challenge + token included
        const before = decryptsServed();
        const socketsBefore = socketsOpened;
        const started = performance.now();
        await mapLimit(records.slice(0, n), concurrency, (record) =>
          openEnvelope({ ...record, kekConfig, hsm: opener }),
        );
        const wall = performance.now() - started;
        const decrypts = decryptsServed() - before;
        const floor = (n * rttMs) / concurrency;
        // The emulator charges the added RTT to the CONNECT answer and the TLS handshake too, and the SDK's
        // proxy agent opens a tunnel per request: three round trips per request through this proxy.
        const tunnelFloor = (3 * n * rttMs) / concurrency;
        const stats = opener.stats();
        console.log(
          `RTT +${String(rttMs).padStart(2)} ms, concurrency ${String(concurrency).padStart(2)}, N=${String(n).padStart(4)}: wall ${Math.round(wall)} ms, floor ${Math.round(floor)} ms${floor > 0 ? ` (${(wall / floor).toFixed(2)}× floor; ${(wall / tunnelFloor).toFixed(2)}× the 3-RTT-per-tunnel floor ${Math.round(tunnelFloor)} ms)` : ""}, ${(wall / n).toFixed(2)} ms/record; HSM decrypts ${decrypts} (${decrypts === n ? "one per record" : "NOT one per record"}), client requests ${stats.calls} (${JSON.stringify(stats.byOperation)}), new connections ${socketsOpened - socketsBefore}`,
        );
      }
    }
  }
} finally {
  await emulator.close();
}
