import { type KeyState, type KeyUse, keyUses, type SvidSigningKey } from "./signing-key.ts";
import type { BundleKey } from "./spiffe-bundle.ts";

/** A key as the bundle and the metrics see it. */
export interface PublishedKey extends BundleKey {
  readonly state: KeyState;
  readonly notAfter: Date;
  /** The KEK version its envelope is wrapped with now, when it came from the envelope store. */
  readonly kekVersion?: string;
}

/**
 * The keys a server signs with, all in memory: reading it never calls the HSM or the API server.
 * Whoever loads keys (the key store, a test) fills it; the server only reads it.
 */
export interface SigningKeySet {
  /** The key that signs new SVIDs of this use, if one is loaded. */
  active(use: KeyUse): SvidSigningKey | undefined;
  /** Every key the bundle publishes: prepared, active, and retired until their last SVID expires. */
  published(): readonly PublishedKey[];
  /**
   * The bundle's `spiffe_sequence`: a function of the published keys alone, so every replica holding them
   * serves the same number, a restart keeps it, and a state or KEK-version change leaves it alone. Per use,
   * the newest plus the oldest published key's {@link SvidSigningKey.sequence}, summed over the uses: a new
   * key raises the newest, dropping the oldest (its last SVID expired) raises the oldest, so it grows as
   * the JWKs change through rotation and never goes back.
   */
  readonly sequence: number;
}

interface Slot {
  readonly key: SvidSigningKey;
  readonly state: KeyState;
  readonly kekVersion: string | undefined;
}

/** A {@link SigningKeySet} held in a map; `put` replaces a key's slot, `clear` drops every key. */
export class MemorySigningKeySet implements SigningKeySet {
  readonly #slots = new Map<string, Slot>();
  #sequence = 0;
  #published: readonly PublishedKey[] = [];

  get sequence(): number {
    return this.#sequence;
  }

  /** Adds a key or changes its state; a `prepared` or `retired` key is published but never signs. */
  put(key: SvidSigningKey, state: KeyState, options: { kekVersion?: string } = {}): void {
    this.#slots.set(key.keyId, { key, state, kekVersion: options.kekVersion });
    this.#changed();
  }

  /** The key held under this id, if any (to change its state without opening it again). */
  get(keyId: string): SvidSigningKey | undefined {
    return this.#slots.get(keyId)?.key;
  }

  /** Drops a key (a retired key whose last SVID has expired). */
  remove(keyId: string): void {
    if (this.#slots.delete(keyId)) this.#changed();
  }

  /** Drops every reference to the keys (at shutdown), so nothing here keeps them alive. */
  clear(): void {
    this.#slots.clear();
    this.#changed();
  }

  active(use: KeyUse): SvidSigningKey | undefined {
    let newest: SvidSigningKey | undefined;
    for (const { key, state } of this.#slots.values())
      if (key.use === use && state === "active" && (newest === undefined || key.notAfter > newest.notAfter))
        newest = key;
    return newest;
  }

  published(): readonly PublishedKey[] {
    return this.#published;
  }

  #changed(): void {
    this.#sequence = keyUses.reduce((sum, use) => {
      const ofUse = [...this.#slots.values()].filter((slot) => slot.key.use === use);
      if (ofUse.length === 0) return sum;
      const sequences = ofUse.map((slot) => slot.key.sequence ?? 0);
      return sum + Math.max(...sequences) + Math.min(...sequences);
    }, 0);
    // Built once per change, not per request: /bundle and /metrics read it on every call. Ordered by use,
    // then key id, so replicas holding the same keys serve the same bundle.
    const order = (slot: Slot) => `${keyUses.indexOf(slot.key.use)}:${slot.key.keyId}`;
    this.#published = [...this.#slots.values()]
      .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
      .map(
        ({ key, state, kekVersion }): PublishedKey => ({
          keyId: key.keyId,
          use: key.use,
          publicKey: key.publicKey,
          ...(key.caCertificatePem !== undefined && { caCertificatePem: key.caCertificatePem }),
          state,
          notAfter: key.notAfter,
          ...(kekVersion !== undefined && { kekVersion }),
        }),
      );
  }
}
