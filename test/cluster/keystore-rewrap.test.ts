import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { execa } from "execa";
import { describe, expect, inject, it } from "vitest";
import { type RewrapOutcome, type SigningKeyStore, signingKeyCrd } from "../../src/keystore/index.ts";
import { hsmClientInProcess } from "../helpers/hsm-in-process.ts";
import { createNamespace, useKeystoreFixture, validity } from "../keystore/cluster-fixture.ts";

const fixture = useKeystoreFixture("kek-rewrap");
const crd = { group: signingKeyCrd.group, version: signingKeyCrd.version, plural: signingKeyCrd.plural };
const child = new URL("../keystore/fixtures/rewrap-child.ts", import.meta.url).pathname;

/** Creates `count` jwt-svid keys in a fresh namespace; returns the namespace and the private keys by name. */
async function seeded(prefix: string, count: number) {
  const namespace = await createNamespace(fixture.kubeConfig, prefix);
  const store = fixture.store(namespace);
  const keys = new Map<string, import("node:crypto").KeyObject>();
  let follows: string | undefined;
  for (let index = 0; index < count; index++) {
    const created = await store.createKey({
      use: "jwt-svid",
      ...validity(),
      ...(follows !== undefined && { follows }),
    });
    keys.set(created.record.name, created.privateKey);
    follows = created.record.name;
  }
  return { namespace, store, keys };
}

/** Every record opens, to the key it was created with; returns the KEK versions by name. */
async function expectAllOpen(store: SigningKeyStore, keys: Map<string, import("node:crypto").KeyObject>) {
  const loaded = await fixture.store(store.namespace, { fresh: true }).loadAll();
  expect(loaded.failures.map((failure) => failure.error.message)).toEqual([]);
  expect(loaded.keys).toHaveLength(keys.size);
  for (const key of loaded.keys) expect(key.privateKey.equals(keys.get(key.record.name) as never)).toBe(true);
  return Object.fromEntries(
    loaded.keys.map((key) => [key.record.name, key.record.spec.envelope.kek.version]),
  );
}

function runChild(namespace: string, env: Record<string, string> = {}) {
  return execa(process.execPath, [child], {
    env: {
      ...fixture.emulator.handle.env,
      PATH: process.env.PATH ?? "",
      KUBECONFIG: inject("cluster").kubeconfig,
      NAMESPACE: namespace,
      KEK_URL: fixture.kek.url,
      KEK_NAME: fixture.kekName,
      ...env,
    },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
}

describe("rewrap after a KEK rotation", () => {
  it("moves every record to the latest version; running it again changes nothing", async () => {
    const { store, keys } = await seeded("rewrap", 3);
    const before = await expectAllOpen(store, keys);
    const rotated = await fixture.rotate();
    const report = await store.rewrap();
    expect(report.targetVersion).toBe(rotated.properties.version);
    expect(report.records.map((record) => record.outcome)).toEqual(["rewrapped", "rewrapped", "rewrapped"]);
    const after = await expectAllOpen(store, keys);
    for (const name of keys.keys()) {
      expect(after[name]).toBe(rotated.properties.version);
      expect(after[name]).not.toBe(before[name]);
    }
    const again = await store.rewrap();
    expect(again.records.map((record) => record.outcome)).toEqual(["current", "current", "current"]);
  });

  it("a dry run reports what is behind and writes nothing", async () => {
    const { store, keys } = await seeded("dryrun", 2);
    const before = await expectAllOpen(store, keys);
    await fixture.rotate();
    const report = await store.rewrap({ dryRun: true });
    expect(report.records.map((record) => record.outcome)).toEqual(["pending", "pending"]);
    expect(await expectAllOpen(store, keys)).toEqual(before);
  });

  it.each(["unwrapped", "wrapped", "verified", "updated"])(
    "SIGKILL right after step %s of the second record leaves every record openable, and a rerun finishes",
    async (step) => {
      const { namespace, store, keys } = await seeded(`kill-${step}`, 3);
      const rotated = await fixture.rotate();
      const killed = await runChild(namespace, { KILL_STEP: step, KILL_AT: "2" });
      expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
      const steps = killed.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { step: string; name: string });
      expect(steps.at(-1)).toEqual({ step, name: "jwt-svid-2" });
      const versions = await expectAllOpen(store, keys);
      // The first record finished; the second is on the new version only if the kill came after its update.
      expect(versions["jwt-svid-1"]).toBe(rotated.properties.version);
      expect(versions["jwt-svid-2"] === rotated.properties.version).toBe(step === "updated");
      const finished = await runChild(namespace);
      expect(finished.exitCode).toBe(0);
      const report = JSON.parse(finished.stdout.split("\n").filter(Boolean).at(-1) as string).report as {
        records: RewrapOutcome[];
      };
      expect(report.records.map((record) => record.outcome)).toEqual([
        "current",
        step === "updated" ? "current" : "rewrapped",
        "rewrapped",
      ]);
      expect(Object.values(await expectAllOpen(store, keys))).toEqual(
        Array(3).fill(rotated.properties.version),
      );
    },
  );

  it("two rewraps at once: a conflict is re-read, the record counts as current, nothing is lost", async () => {
    const { namespace, store, keys } = await seeded("twice", 2);
    const rotated = await fixture.rotate();
    const other = fixture.store(namespace, { fresh: true });
    // A holds its update of jwt-svid-1 until B has written jwt-svid-1: A's precondition is then stale.
    let bUpdated: () => void = () => undefined;
    const bDone = new Promise<void>((resolve) => {
      bUpdated = resolve;
    });
    const [a, b] = await Promise.all([
      store.rewrap({
        onStep: async (step, name) => {
          if (step === "verified" && name === "jwt-svid-1") await bDone;
        },
      }),
      other.rewrap({
        onStep: (step, name) => {
          if (step === "updated" && name === "jwt-svid-1") bUpdated();
        },
      }),
    ]);
    expect(a.records.find((record) => record.name === "jwt-svid-1")?.outcome).toBe("current");
    expect(b.records.find((record) => record.name === "jwt-svid-1")?.outcome).toBe("rewrapped");
    expect([...a.records, ...b.records].filter((record) => record.outcome === "failed")).toEqual([]);
    expect(Object.values(await expectAllOpen(store, keys))).toEqual(
      Array(2).fill(rotated.properties.version),
    );
  });

  it("a record deleted during the rewrap is reported gone; the others are still rewrapped", async () => {
    const { namespace, store, keys } = await seeded("gone", 3);
    const rotated = await fixture.rotate();
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const report = await store.rewrap({
      onStep: async (step, name) => {
        // Deleted after its new envelope was made, before it is written.
        if (step === "verified" && name === "jwt-svid-2")
          await api.deleteNamespacedCustomObject({ ...crd, namespace, name });
      },
    });
    expect(report.records.map((record) => [record.name, record.outcome])).toEqual([
      ["jwt-svid-1", "rewrapped"],
      ["jwt-svid-2", "gone"],
      ["jwt-svid-3", "rewrapped"],
    ]);
    keys.delete("jwt-svid-2");
    expect(Object.values(await expectAllOpen(store, keys))).toEqual(
      Array(2).fill(rotated.properties.version),
    );
  });

  it("a rewrap changes only the envelope: finalizers, owner references and labels stay", async () => {
    const { namespace, store, keys } = await seeded("metadata", 1);
    const owner = await fixture.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: "owner" } } });
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    const metadata = {
      finalizers: ["keywrap.spirl.dev/test"],
      ownerReferences: [
        { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid as string },
      ],
      labels: { "example.org/team": "identity" },
    };
    await api.patchNamespacedCustomObject(
      { ...crd, namespace, name: "jwt-svid-1", body: { metadata } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const rotated = await fixture.rotate();
    expect((await store.rewrap()).records.map((record) => record.outcome)).toEqual(["rewrapped"]);
    const after = (await api.getNamespacedCustomObject({ ...crd, namespace, name: "jwt-svid-1" })) as {
      metadata: typeof metadata;
      spec: { envelope: { kek: { version: string } } };
    };
    expect(after.spec.envelope.kek.version).toBe(rotated.properties.version);
    expect(after.metadata).toMatchObject(metadata);
    expect(Object.values(await expectAllOpen(store, keys))).toEqual([rotated.properties.version]);
    // Let the namespace go when the run's cluster is torn down.
    await api.patchNamespacedCustomObject(
      { ...crd, namespace, name: "jwt-svid-1", body: { metadata: { finalizers: null } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  });

  it("rewrap under 429 and 503 faults retries within the deadline and finishes", async () => {
    const { namespace, keys } = await seeded("faults", 2);
    const rotated = await fixture.rotate();
    const { faults, log } = fixture.emulator.handle.state;
    const seen = log.entries().length;
    faults.add({ kind: "throttle", operation: "decrypt", hsm: "localhsm", count: 2, retryAfterSeconds: 0 });
    faults.add({ kind: "unavailable", operation: "encrypt", hsm: "localhsm", count: 2 });
    const store = fixture.store(namespace, {
      hsm: hsmClientInProcess(fixture.emulator, { retry: { baseDelayMs: 10 } }),
    });
    const report = await store.rewrap();
    expect(report.records.map((record) => record.outcome)).toEqual(["rewrapped", "rewrapped"]);
    const statuses = log
      .entries()
      .slice(seen)
      .map((entry) => `${entry.operation}:${entry.status}`);
    expect(statuses.filter((status) => status === "decrypt:429")).toHaveLength(2);
    expect(statuses.filter((status) => status === "encrypt:503")).toHaveLength(2);
    expect(Object.values(await expectAllOpen(store, keys))).toEqual(
      Array(2).fill(rotated.properties.version),
    );
  });

  it("an HSM that throttles past the deadline fails the record, which stays on its old version and opens", async () => {
    const { namespace, store, keys } = await seeded("deadline", 1);
    const before = await expectAllOpen(store, keys);
    await fixture.rotate();
    const { faults, log } = fixture.emulator.handle.state;
    const seen = log.entries().length;
    const fault = faults.add({
      kind: "throttle",
      operation: "decrypt",
      hsm: "localhsm",
      retryAfterSeconds: 1,
    });
    try {
      const report = await fixture.store(namespace, { hsmTimeoutMs: 2_500 }).rewrap();
      expect(report.records.map((record) => [record.outcome, record.error?.code])).toEqual([
        ["failed", "ENVELOPE_HSM_FAILED"],
      ]);
      expect(report.records[0]?.error?.message).toContain("HSM_DEADLINE_EXCEEDED");
      const throttled = log
        .entries()
        .slice(seen)
        .filter((entry) => entry.operation === "decrypt");
      expect(throttled.length).toBeGreaterThanOrEqual(2);
      expect(throttled.every((entry) => entry.status === 429)).toBe(true);
    } finally {
      faults.remove(fault.id);
    }
    expect(await expectAllOpen(store, keys)).toEqual(before);
  });

  it("one deadline bounds a whole load: records after it fail at once instead of each taking its own budget", async () => {
    const { namespace } = await seeded("overall", 4);
    const { faults, log } = fixture.emulator.handle.state;
    const seen = log.entries().length;
    const fault = faults.add({
      kind: "throttle",
      operation: "decrypt",
      hsm: "localhsm",
      retryAfterSeconds: 1,
    });
    try {
      // Each record alone could throttle for 60 s; the load as a whole has 2.5 s.
      const store = fixture.store(namespace, { hsmTimeoutMs: 60_000, timeoutMs: 2_500, concurrency: 1 });
      const loaded = await store.loadAll();
      expect(loaded.keys).toEqual([]);
      expect(loaded.failures.map((failure) => failure.error.code)).toEqual(
        Array(4).fill("ENVELOPE_HSM_FAILED"),
      );
      expect(
        loaded.failures.every((failure) => failure.error.message.includes("HSM_DEADLINE_EXCEEDED")),
      ).toBe(true);
      // Retry-After 1 s inside 2.5 s: a handful of decrypts in all, not 60 per record.
      const decrypts = log
        .entries()
        .slice(seen)
        .filter((entry) => entry.operation === "decrypt");
      expect(decrypts.length).toBeGreaterThanOrEqual(1);
      expect(decrypts.length).toBeLessThanOrEqual(8);
    } finally {
      faults.remove(fault.id);
    }
  });

  it("a pinned keyVersion is the target, even when a newer version exists", async () => {
    const { namespace, keys } = await seeded("pinned", 1);
    const pinned = (await fixture.rotate()).properties.version as string;
    await fixture.rotate();
    const store = fixture.store(namespace, { kek: { ...fixture.kek, version: pinned } });
    const report = await store.rewrap();
    expect(report.targetVersion).toBe(pinned);
    expect(Object.values(await expectAllOpen(store, keys))).toEqual([pinned]);
  });
});
