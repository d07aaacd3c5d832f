import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SigningKeyEvent, SigningKeyRecord } from "../../src/keystore/index.ts";
import { followSigningKeys, type ServerLogEvent } from "../../src/server/index.ts";
import { MemorySigningKeySet, type SvidSigningKey } from "../../src/svid/index.ts";

function record(
  name: string,
  keyId: string,
  state: "prepared" | "active" | "retired",
  resourceVersion = "1",
): SigningKeyRecord {
  return {
    name,
    namespace: "keys",
    resourceVersion,
    createdAt: undefined,
    labels: {},
    annotations: {},
    state,
    spec: {
      keyId,
      use: "jwt-svid",
      algorithm: "ES256",
      publicKey: {},
      notBefore: new Date().toISOString(),
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
      envelope: { kek: { version: "v2" } },
    },
  } as unknown as SigningKeyRecord;
}

/** A watch the test drives, and an `open` that counts HSM round trips (refusing names it is told to). */
function harness(refuse: readonly string[] = [], versions?: ReadonlyMap<string, string>) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const held: SvidSigningKey = {
    keyId: "k1",
    use: "jwt-svid",
    privateKey,
    publicKey,
    notAfter: new Date(Date.now() + 3_600_000),
  };
  const keys = new MemorySigningKeySet();
  keys.put(held, "active", { kekVersion: "v1" });
  const events: ServerLogEvent[] = [];
  let emit: (event: SigningKeyEvent) => void = () => {};
  const opened: string[] = [];
  const store = {
    watch(options: { onEvent: (event: SigningKeyEvent) => void }) {
      emit = options.onEvent;
    },
    async open(found: SigningKeyRecord): Promise<KeyObject> {
      opened.push(found.name);
      if (refuse.includes(found.name)) throw new Error(`${found.name}: ENVELOPE_CONTEXT_MISMATCH`);
      return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    },
  };
  followSigningKeys({
    store,
    keys,
    resourceVersion: "5",
    ...(versions !== undefined && { versions }),
    names: new Map([["k1", "jwt-svid-1"]]),
    trustDomain: "example.org",
    log: (event) => events.push(event),
    signal: new AbortController().signal,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { keys, held, events, opened, emit: (event: SigningKeyEvent) => emit(event), settle };
}

describe("followSigningKeys", () => {
  it("applies a held key's state and KEK version from its own resource without opening it again", async () => {
    const h = harness();
    h.emit({ type: "modified", record: record("jwt-svid-1", "k1", "retired") });
    await h.settle();
    expect(h.opened).toEqual([]);
    expect(h.keys.published().map((key) => [key.keyId, key.state, key.kekVersion])).toEqual([
      ["k1", "retired", "v2"],
    ]);
  });

  it("opens a key that appears, once, and drops it when it is deleted", async () => {
    const h = harness();
    h.emit({ type: "added", record: record("jwt-svid-2", "k2", "prepared", "6") });
    h.emit({ type: "modified", record: record("jwt-svid-2", "k2", "active", "7") });
    await h.settle();
    expect(h.opened).toEqual(["jwt-svid-2"]);
    expect(h.keys.active("jwt-svid")?.keyId).toBeDefined();
    expect(h.keys.published().map((key) => [key.keyId, key.state])).toContainEqual(["k2", "active"]);
    h.emit({ type: "deleted", record: record("jwt-svid-2", "k2", "active") });
    await h.settle();
    expect(h.keys.published().map((key) => key.keyId)).toEqual(["k1"]);
  });

  it("opens a copy of a held key under another name (which its context refuses) and keeps the held key", async () => {
    const h = harness(["jwt-svid-9"]);
    h.emit({ type: "added", record: record("jwt-svid-9", "k1", "retired") });
    h.emit({ type: "deleted", record: record("jwt-svid-9", "k1", "retired") });
    await h.settle();
    expect(h.opened).toEqual(["jwt-svid-9"]);
    expect(h.keys.active("jwt-svid")).toBe(h.held);
    expect(h.events.find((event) => event.level === "error")?.fields?.resource).toBe("keys/jwt-svid-9");
  });

  it("skips the replayed events of what the start itself wrote: the key it activated stays active", async () => {
    // The watch starts at the list taken before this start created and activated jwt-svid-1 (at 11).
    const h = harness([], new Map([["jwt-svid-1", "11"]]));
    h.emit({ type: "added", record: record("jwt-svid-1", "k1", "prepared", "10") });
    await h.settle();
    expect(h.keys.active("jwt-svid")?.keyId).toBe("k1");
    h.emit({ type: "modified", record: record("jwt-svid-1", "k1", "active", "11") });
    h.emit({ type: "modified", record: record("jwt-svid-1", "k1", "retired", "12") });
    await h.settle();
    expect(h.keys.published().map((key) => [key.keyId, key.state])).toEqual([["k1", "retired"]]);
    expect(h.opened).toEqual([]);
  });
});
