import { generateKeyPairSync } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { describe, expect, it, vi } from "vitest";
import { isEnvelopeError } from "../../src/envelope/index.ts";
import { isKeyStoreError, type SigningKeyEvent, signingKeyCrd } from "../../src/keystore/index.ts";
import { hsmClientInProcess } from "../helpers/hsm-in-process.ts";
import { createNamespace, useKeystoreFixture, validity } from "../keystore/cluster-fixture.ts";

const fixture = useKeystoreFixture("kek-store");
const crd = { group: signingKeyCrd.group, version: signingKeyCrd.version, plural: signingKeyCrd.plural };

describe("SigningKey store on a real API server", () => {
  it("seal → store → restart → open gives the same key, with one HSM decrypt per record", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "restart");
    const first = await fixture.store(namespace).createKey({ use: "jwt-svid", ...validity() });
    expect(first).toMatchObject({ created: true, record: { name: "jwt-svid-1", state: "prepared" } });
    const second = await fixture
      .store(namespace)
      .createKey({ use: "jwt-svid", follows: "jwt-svid-1", ...validity() });
    expect(second.record.name).toBe("jwt-svid-2");
    // A restart: a new KubeConfig and a new HSM client that never saw these keys.
    const hsm = hsmClientInProcess(fixture.emulator);
    const loaded = await fixture.store(namespace, { fresh: true, hsm }).loadAll();
    expect(loaded.failures).toEqual([]);
    expect(loaded.keys.map((key) => key.record.name)).toEqual(["jwt-svid-1", "jwt-svid-2"]);
    expect(loaded.keys[0]?.privateKey.equals(first.privateKey)).toBe(true);
    expect(loaded.keys[1]?.privateKey.equals(second.privateKey)).toBe(true);
    expect(hsm.stats().byOperation.decrypt).toBe(2);
  });

  it("stores a P-256 key the caller generated, and refuses any other kind of key", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "given");
    const store = fixture.store(namespace);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    // certify is for x509-svid only: a jwt-svid key gets no CA certificate even when one is offered.
    const created = await store.createKey({ use: "jwt-svid", privateKey, certify: fakeCa, ...validity() });
    expect(created.privateKey).toBe(privateKey);
    expect(created.record.spec.caCertificate).toBeUndefined();
    expect((await store.open(created.record)).equals(privateKey)).toBe(true);
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
    const error = await store
      .createKey({ use: "jwt-svid", follows: created.record.name, privateKey: p384, ...validity() })
      .catch((caught: unknown) => caught);
    expect(isKeyStoreError(error) && error.code).toBe("KEYSTORE_INVALID_REQUEST");
    expect((await store.list()).records).toHaveLength(1);
  });

  it("createKey never exports the private key as a JWK (its d would land in a JS string)", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "no-jwk");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const exports = vi.spyOn(privateKey, "export");
    await fixture.store(namespace).createKey({ use: "jwt-svid", privateKey, ...validity() });
    // Sealing exports the PKCS#8 DER once (into a Buffer it zeroes); nothing else.
    expect(exports.mock.calls).toEqual([[{ format: "der", type: "pkcs8" }]]);
  });

  it("the API server enforces the structural schema: a short IV is refused at create", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "schema");
    const { record } = await fixture.store(namespace).createKey({ use: "jwt-svid", ...validity() });
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const spec = structuredClone(record.spec) as unknown as { envelope: { ciphertext: { iv: string } } };
    spec.envelope.ciphertext.iv = "AAAA";
    const error = await api
      .createNamespacedCustomObject({
        ...crd,
        namespace,
        body: {
          apiVersion: "keywrap.spirl.dev/v1alpha1",
          kind: "SigningKey",
          metadata: { name: "bad" },
          spec,
        },
      })
      .catch((caught: unknown) => caught);
    expect((error as { code?: number }).code).toBe(422);
    expect(String((error as { body?: unknown }).body)).toContain("spec.envelope.ciphertext.iv");
  });

  it("two writers racing to create the first key of a use end with one key", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "race");
    const [a, b] = await Promise.all([
      fixture
        .store(namespace, { fresh: true })
        .createKey({ use: "x509-svid", ...validity(), certify: fakeCa }),
      fixture
        .store(namespace, { fresh: true })
        .createKey({ use: "x509-svid", ...validity(), certify: fakeCa }),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.record.name).toBe("x509-svid-1");
    expect(b.record.name).toBe("x509-svid-1");
    expect(a.privateKey.equals(b.privateKey)).toBe(true);
    const { records } = await fixture.store(namespace).list();
    expect(records.map((record) => record.name)).toEqual(["x509-svid-1"]);
  });

  it("a state change carries its resourceVersion; a conflicting one is re-read, never overwritten", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "state");
    const store = fixture.store(namespace);
    const { record } = await store.createKey({ use: "jwt-svid", ...validity() });
    expect((await store.setState(record.name, "active", { from: "prepared" })).state).toBe("active");
    // A second writer still believing the key is prepared must not move it.
    const error = await fixture
      .store(namespace)
      .setState(record.name, "retired", { from: "prepared" })
      .catch((caught: unknown) => caught);
    expect(isKeyStoreError(error) && error.code).toBe("KEYSTORE_CONFLICT");
    expect((await store.get(record.name)).state).toBe("active");
    // A stale resourceVersion is refused by the API server (409).
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const stale = await api
      .replaceNamespacedCustomObjectStatus({
        ...crd,
        namespace,
        name: record.name,
        body: {
          apiVersion: "keywrap.spirl.dev/v1alpha1",
          kind: "SigningKey",
          metadata: { name: record.name, resourceVersion: record.resourceVersion },
          spec: record.spec,
          status: { state: "retired" },
        },
      })
      .catch((caught: unknown) => caught);
    expect((stale as { code?: number }).code).toBe(409);
  });

  it("the API server refuses moving a state backwards, dropping it, and editing what a record is (422)", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "immutable");
    const store = fixture.store(namespace);
    const { record } = await store.createKey({ use: "jwt-svid", ...validity() });
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const statusOf = (body: object) =>
      api.patchNamespacedCustomObjectStatus({ ...crd, namespace, name: record.name, body }, merge).then(
        () => 200,
        (caught: { code?: number }) => caught.code,
      );
    const specOf = (spec: object) =>
      api.patchNamespacedCustomObject({ ...crd, namespace, name: record.name, body: { spec } }, merge).then(
        () => 200,
        (caught: { code?: number }) => caught.code,
      );
    await store.setState(record.name, "active", { from: "prepared" });
    expect(await statusOf({ status: { state: "prepared" } })).toBe(422);
    expect(await statusOf({ status: { state: null } })).toBe(422);
    expect(await statusOf({ status: null })).toBe(422);
    await store.setState(record.name, "retired", { from: "active" });
    expect(await statusOf({ status: { state: "active" } })).toBe(422);
    expect(await statusOf({ status: { state: "prepared" } })).toBe(422);
    const later = new Date(Date.parse(record.spec.notAfter) + 86_400_000).toISOString();
    const refused = {
      notAfter: { notAfter: later },
      notBefore: { notBefore: later },
      algorithm: { algorithm: "ES384" },
      publicKey: { publicKey: { x: "A".repeat(43) } },
      // keyId and use together with the context naming them, so only immutability can refuse it.
      keyId: { keyId: "other", envelope: { context: { keyId: "other" } } },
      "envelope.context": { envelope: { context: { name: "elsewhere" } } },
      "envelope.ciphertext": { envelope: { ciphertext: { iv: "A".repeat(16) } } },
      "envelope.version": { envelope: { version: 2 } },
    };
    const codes = Object.fromEntries(
      await Promise.all(Object.entries(refused).map(async ([field, spec]) => [field, await specOf(spec)])),
    );
    expect(codes).toEqual(Object.fromEntries(Object.keys(refused).map((field) => [field, 422])));
    const now = await store.get(record.name);
    expect({ state: now.state, spec: now.spec }).toEqual({ state: "retired", spec: record.spec });
  });

  it("a record copied to another name or namespace never loads", async () => {
    const [home, elsewhere] = [
      await createNamespace(fixture.kubeConfig, "home"),
      await createNamespace(fixture.kubeConfig, "elsewhere"),
    ];
    const { record } = await fixture.store(home).createKey({ use: "jwt-svid", ...validity() });
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const copy = (namespace: string, name: string) =>
      api.createNamespacedCustomObject({
        ...crd,
        namespace,
        body: {
          apiVersion: "keywrap.spirl.dev/v1alpha1",
          kind: "SigningKey",
          metadata: { name },
          spec: record.spec,
        },
      });
    await copy(home, "jwt-svid-7");
    await copy(elsewhere, "jwt-svid-1");
    const atHome = await fixture.store(home).loadAll();
    expect(atHome.keys.map((key) => key.record.name)).toEqual(["jwt-svid-1"]);
    expect(
      atHome.failures.map((f) => [f.record.name, f.error.code, (f.error as { field?: string }).field]),
    ).toEqual([["jwt-svid-7", "ENVELOPE_CONTEXT_MISMATCH", "envelope.context.name"]]);
    const moved = await fixture.store(elsewhere).loadAll();
    expect(moved.failures.map((f) => [f.record.name, f.error.code])).toEqual([
      ["jwt-svid-1", "ENVELOPE_CONTEXT_MISMATCH"],
    ]);
    expect(moved.failures[0]?.error.message).toContain(`SigningKey ${elsewhere}/jwt-svid-1`);
    // Another trust domain's server refuses it too.
    const otherDomain = await fixture.store(home, { trustDomain: "other.example" }).loadAll();
    expect(otherDomain.keys).toEqual([]);
  });

  it("provider mismatch fails the load before any HSM call, naming the resource and both sides", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "provider");
    await fixture.store(namespace).createKey({ use: "jwt-svid", ...validity() });
    for (const [kek, recorded, configured] of [
      [{ ...fixture.kek, name: "another-kek" }, '"kek-store"', '"another-kek"'],
      [
        { ...fixture.kek, url: "https://otherhsm.managedhsm.azure.net/" },
        '"localhsm.managedhsm.azure.net"',
        '"otherhsm.managedhsm.azure.net"',
      ],
    ] as const) {
      const error = await fixture
        .store(namespace, { kek, fresh: true })
        .loadAll()
        .catch((caught: unknown) => caught);
      expect(isEnvelopeError(error) && error.code).toBe("PROVIDER_MISMATCH");
      const message = (error as Error).message;
      expect(message).toContain(`SigningKey ${namespace}/jwt-svid-1`);
      expect(message).toContain(recorded);
      expect(message).toContain(configured);
    }
  });

  it("version drift loads: records on older KEK versions open with the version they recorded", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "drift");
    const store = fixture.store(namespace);
    const one = await store.createKey({ use: "jwt-svid", ...validity() });
    await fixture.rotate();
    const two = await store.createKey({ use: "jwt-svid", follows: one.record.name, ...validity() });
    await fixture.rotate();
    const loaded = await fixture.store(namespace, { fresh: true }).loadAll();
    expect(loaded.failures).toEqual([]);
    const versions = loaded.keys.map((key) => key.record.spec.envelope.kek.version);
    expect(new Set(versions).size).toBe(2);
    expect(loaded.keys[0]?.privateKey.equals(one.privateKey)).toBe(true);
    expect(loaded.keys[1]?.privateKey.equals(two.privateKey)).toBe(true);
  });

  it("watch continues from the list's resourceVersion, resumes after server closes, and sees each change once", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "watch");
    const store = fixture.store(namespace);
    const { resourceVersion } = await store.list();
    const events: SigningKeyEvent[] = [];
    const controller = new AbortController();
    // The server ends each watch request after a second: the store must resume where it was, no event
    // lost or repeated.
    store.watch({
      resourceVersion,
      signal: controller.signal,
      onEvent: (event) => events.push(event),
      timeoutSeconds: 1,
    });
    try {
      const { record } = await store.createKey({ use: "jwt-svid", ...validity() });
      await expect.poll(() => events.length, { timeout: 30_000 }).toBe(1);
      await sleep(2_500);
      await store.setState(record.name, "active");
      await expect
        .poll(
          () =>
            events.map((event) =>
              event.type === "resynced" ? "resynced" : `${event.type}:${event.record.state}`,
            ),
          {
            timeout: 30_000,
          },
        )
        .toEqual(["added:prepared", "modified:active"]);
    } finally {
      controller.abort();
    }
  });
});

/** A stand-in CA certificate: the CRD checks only the PEM header; issuing is the server's job. */
async function fakeCa(): Promise<string> {
  return "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
}
