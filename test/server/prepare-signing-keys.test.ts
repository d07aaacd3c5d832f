import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EnvelopeError } from "../../src/envelope/index.ts";
import type {
  CreateKeyOptions,
  KeyState,
  LoadFailure,
  OpenedKey,
  SigningKeyRecord,
} from "../../src/keystore/index.ts";
import { isServerStartError, prepareSigningKeys, type ServerLogEvent } from "../../src/server/index.ts";
import { createCaCertificate, type KeyUse } from "../../src/svid/index.ts";

const trustDomain = "example.org";
const hour = 3_600_000;

/** An in-memory stand-in for the SigningKey store that records what was asked of it, in order. */
function fakeStore(
  initial: OpenedKey[] = [],
  options: { loadError?: unknown; failures?: LoadFailure[] } = {},
) {
  const opened = [...initial];
  const calls: string[] = [];
  const store = {
    namespace: "keys",
    calls,
    records: () => opened.map((entry) => [entry.record.name, entry.record.state]),
    async loadAll() {
      calls.push("loadAll");
      if (options.loadError !== undefined) throw options.loadError;
      return { keys: [...opened], failures: options.failures ?? [], resourceVersion: "7" };
    },
    async createKey(create: CreateKeyOptions) {
      const sequence = create.follows === undefined ? 1 : Number(create.follows.split("-").at(-1)) + 1;
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const caCertificate = await create.certify?.({ privateKey, publicKey: {} as never, keyId: "k" });
      const entry = await openedKey(create.use, sequence, "prepared", {
        privateKey,
        notAfter: create.notAfter,
        ...(caCertificate !== undefined && { caCertificate }),
      });
      calls.push(`createKey ${entry.record.name}`);
      opened.push(entry);
      return { ...entry, created: true };
    },
    async setState(name: string, state: KeyState) {
      calls.push(`setState ${name} ${state}`);
      const index = opened.findIndex((entry) => entry.record.name === name);
      if (index < 0) return { name, state } as unknown as SigningKeyRecord;
      const entry = opened[index] as OpenedKey;
      opened[index] = { ...entry, record: { ...entry.record, state } };
      return opened[index].record;
    },
  };
  return store;
}

/** A store holding an active x509-svid key, where jwt-svid-1 (active) failed to open with `error`. */
async function storeWithFailedJwtKey(error: EnvelopeError) {
  const failed = await openedKey("jwt-svid", 1, "active");
  return fakeStore([await openedKey("x509-svid", 1, "active")], {
    failures: [{ record: failed.record, error }],
  });
}

/** An opened record as the store would hand it out. */
async function openedKey(
  use: KeyUse,
  sequence: number,
  state: KeyState,
  options: { privateKey?: KeyObject; notAfter?: Date; caCertificate?: string } = {},
): Promise<OpenedKey> {
  const privateKey = options.privateKey ?? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const notAfter = options.notAfter ?? new Date(Date.now() + hour);
  const caCertificate =
    use === "x509-svid"
      ? (options.caCertificate ??
        (await createCaCertificate({
          trustDomain,
          privateKey,
          publicKey: createPublicKey(privateKey),
          notBefore: new Date(),
          notAfter,
        })))
      : undefined;
  const record = {
    name: `${use}-${sequence}`,
    namespace: "keys",
    resourceVersion: "1",
    createdAt: undefined,
    labels: { "keywrap.spirl.dev/use": use, "keywrap.spirl.dev/sequence": String(sequence) },
    annotations: {},
    state,
    spec: {
      keyId: `${use}-${sequence}-id`,
      use,
      algorithm: "ES256",
      publicKey: {},
      notBefore: new Date().toISOString(),
      notAfter: notAfter.toISOString(),
      ...(caCertificate !== undefined && { caCertificate }),
      envelope: { kek: { version: "v1" } },
    },
  } as unknown as SigningKeyRecord;
  return { record, privateKey };
}

function collect(): { log: (event: ServerLogEvent) => void; events: ServerLogEvent[] } {
  const events: ServerLogEvent[] = [];
  return { log: (event) => events.push(event), events };
}

describe("prepareSigningKeys", () => {
  it("on an empty namespace stores one key per use before activating it, then holds both in memory", async () => {
    const store = fakeStore();
    const { keys } = await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.calls).toEqual([
      "loadAll",
      "createKey x509-svid-1",
      "setState x509-svid-1 active",
      "createKey jwt-svid-1",
      "setState jwt-svid-1 active",
    ]);
    expect(keys.active("jwt-svid")?.keyId).toBe("jwt-svid-1-id");
    expect(keys.active("x509-svid")?.caCertificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("activates a prepared key a crashed start left, creating nothing", async () => {
    const store = fakeStore([
      await openedKey("jwt-svid", 1, "prepared"),
      await openedKey("x509-svid", 1, "active"),
    ]);
    await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.calls).toEqual(["loadAll", "setState jwt-svid-1 active"]);
  });

  it("follows the newest key by its name, not by its editable sequence label", async () => {
    const edited = await openedKey("jwt-svid", 3, "active", { notAfter: new Date(Date.now() - 1000) });
    const stale = await openedKey("jwt-svid", 2, "retired");
    // Anyone who may edit the resource can change a label; only the name is fixed at create.
    (stale.record.labels as Record<string, string>)["keywrap.spirl.dev/sequence"] = "99";
    const store = fakeStore([stale, edited, await openedKey("x509-svid", 1, "active")]);
    await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.calls).toContain("createKey jwt-svid-4");
  });

  it("replaces an expired active key with the next one", async () => {
    const store = fakeStore([
      await openedKey("jwt-svid", 3, "active", { notAfter: new Date(Date.now() - 1000) }),
      await openedKey("x509-svid", 1, "active"),
    ]);
    const { keys } = await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.calls).toEqual([
      "loadAll",
      "createKey jwt-svid-4",
      "setState jwt-svid-4 active",
      "setState jwt-svid-3 retired",
    ]);
    expect(keys.published().map((key) => key.keyId)).not.toContain("jwt-svid-3-id");
  });

  it("never trusts a CA certificate that this key did not sign: the record is refused, a new key made", async () => {
    const other = await openedKey("x509-svid", 9, "active");
    const swapped = await openedKey("x509-svid", 1, "active", {
      caCertificate: other.record.spec.caCertificate ?? "",
    });
    const store = fakeStore([swapped, await openedKey("jwt-svid", 1, "active")]);
    const { log, events } = collect();
    const { keys } = await prepareSigningKeys({ store, trustDomain, log });
    expect(events.find((event) => event.level === "error")?.fields?.resource).toBe("keys/x509-svid-1");
    expect(store.calls).toEqual([
      "loadAll",
      "createKey x509-svid-2",
      "setState x509-svid-2 active",
      "setState x509-svid-1 retired",
    ]);
    const bundleCas = keys.published().flatMap((key) => key.caCertificatePem ?? []);
    expect(bundleCas).not.toContain(other.record.spec.caCertificate);
    expect(bundleCas).toHaveLength(1);
  });

  it("refuses a provider mismatch with its own code, before creating anything", async () => {
    const mismatch = new EnvelopeError(
      'envelope.kek.name: the record is wrapped by "a", the configuration names "b"',
      {
        code: "PROVIDER_MISMATCH",
      },
    );
    const store = fakeStore([], { loadError: mismatch });
    const error = await prepareSigningKeys({ store, trustDomain, log: collect().log }).catch(
      (caught: unknown) => caught,
    );
    expect(isServerStartError(error) && [error.code, error.exitCode]).toEqual(["PROVIDER_MISMATCH", 40]);
    expect((error as Error).message).toContain('"a", the configuration names "b"');
    expect(store.calls).toEqual(["loadAll"]);
  });

  it("fails the start, creating nothing, when a key did not open for a passing reason (HSM busy)", async () => {
    const store = await storeWithFailedJwtKey(
      new EnvelopeError("HSM decrypt failed: 429", { code: "ENVELOPE_HSM_FAILED" }),
    );
    const error = await prepareSigningKeys({ store, trustDomain, log: collect().log }).catch(
      (caught: unknown) => caught,
    );
    expect(isServerStartError(error) && [error.code, error.exitCode]).toEqual(["KEYS_UNAVAILABLE", 41]);
    expect((error as Error).message).toContain("keys/jwt-svid-1");
    expect(store.calls).toEqual(["loadAll"]);
  });

  it("retires the active key it replaces when that key was refused for good", async () => {
    const store = await storeWithFailedJwtKey(
      new EnvelopeError("wrappedDek: tag did not verify", { code: "ENVELOPE_AUTH_FAILED" }),
    );
    await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.calls).toEqual([
      "loadAll",
      "createKey jwt-svid-2",
      "setState jwt-svid-2 active",
      "setState jwt-svid-1 retired",
    ]);
  });

  it("retires an expired active key once its successor is active", async () => {
    const store = fakeStore([
      await openedKey("jwt-svid", 3, "active", { notAfter: new Date(Date.now() - 1000) }),
      await openedKey("x509-svid", 1, "active"),
    ]);
    await prepareSigningKeys({ store, trustDomain, log: collect().log });
    expect(store.records()).toContainEqual(["jwt-svid-3", "retired"]);
    expect(store.records().filter(([, state]) => state === "active")).toHaveLength(2);
  });
});
