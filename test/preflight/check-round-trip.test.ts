// The round-trip check in process, against a stand-in HSM client: each way it fails, fast and one at a
// time. preflight-round-trip-faults.test.ts produces the same failures end to end with the emulator's
// crypto-path faults (ignore-aad, corrupt-plaintext, truncate-plaintext, short-iv).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { HsmKey, ManagedHsmKeyClient, SealedBytes } from "../../src/hsm/index.ts";
import { createDeadline } from "../../src/hsm/index.ts";
import { checkRoundTrip } from "../../src/preflight/check-round-trip.ts";
import { isPreflightError } from "../../src/preflight/index.ts";

const version = "0123456789abcdef0123456789abcdef";
const kid = `https://my-hsm.managedhsm.azure.net/keys/wrap/${version}`;
const config = { url: "https://my-hsm.managedhsm.azure.net/", keyName: "wrap" };
const key = { id: kid, name: "wrap", version } as HsmKey;

interface StandIn {
  /** What decrypt returns for the right AAD. */
  readonly opened?: (plaintext: Uint8Array) => Uint8Array;
  /** Whether decrypt with other AAD succeeds. */
  readonly ignoresAad?: boolean;
  readonly ivBytes?: number;
}

function standIn(behaviour: StandIn): ManagedHsmKeyClient {
  let stored: { plaintext: Uint8Array; aad: Uint8Array } | undefined;
  return {
    async encrypt(_key: HsmKey, plaintext: Uint8Array, options: { aad: Uint8Array }): Promise<SealedBytes> {
      stored = { plaintext: Buffer.from(plaintext), aad: Buffer.from(options.aad) };
      return {
        kid,
        ciphertext: randomBytes(plaintext.length),
        iv: randomBytes(behaviour.ivBytes ?? 12),
        tag: randomBytes(16),
        requestId: "req-encrypt",
      };
    },
    async decrypt(_sealed: SealedBytes, options: { aad: Uint8Array }): Promise<Uint8Array> {
      if (stored === undefined) throw new Error("nothing encrypted");
      if (!behaviour.ignoresAad && !Buffer.from(options.aad).equals(stored.aad))
        throw Object.assign(new Error("Decryption failed"), { name: "RestError", statusCode: 400 });
      return (behaviour.opened ?? ((plaintext) => Buffer.from(plaintext)))(stored.plaintext);
    },
    stats: () => ({ calls: 0, byOperation: {}, tokenRequests: 0, tokenMs: 0, lastRequestId: "req-last" }),
  } as unknown as ManagedHsmKeyClient;
}

async function failureCode(behaviour: StandIn): Promise<string | undefined> {
  try {
    await checkRoundTrip(standIn(behaviour), key, config, {
      deadline: createDeadline(5_000),
      onStep: () => {},
    });
    return undefined;
  } catch (error) {
    if (!isPreflightError(error)) throw error;
    return error.code;
  }
}

describe("checkRoundTrip", () => {
  it("passes when the HSM gives the bytes back and refuses altered AAD", async () => {
    expect(await failureCode({})).toBeUndefined();
  });

  it("AAD_NOT_ENFORCED when decrypt succeeds with altered AAD", async () => {
    expect(await failureCode({ ignoresAad: true })).toBe("AAD_NOT_ENFORCED");
  });

  it("ROUND_TRIP_FAILED when decrypt returns other bytes", async () => {
    expect(await failureCode({ opened: (plaintext) => Buffer.from(plaintext).map((byte) => byte ^ 1) })).toBe(
      "ROUND_TRIP_FAILED",
    );
  });

  it("ROUND_TRIP_FAILED when decrypt drops a byte (the NUL-byte truncation bug)", async () => {
    expect(await failureCode({ opened: (plaintext) => plaintext.slice(0, 31) })).toBe("ROUND_TRIP_FAILED");
  });

  it("ROUND_TRIP_FAILED when the IV is not 12 bytes", async () => {
    expect(await failureCode({ ivBytes: 16 })).toBe("ROUND_TRIP_FAILED");
  });
});
