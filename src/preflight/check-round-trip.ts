import { randomBytes, timingSafeEqual } from "node:crypto";
import { parseManagedHsmUrl } from "../config/managed-hsm-url.ts";
import {
  type Deadline,
  type HsmKey,
  type ManagedHsmKeyClient,
  parseKeyId,
  type SealedBytes,
  statusCodeOf,
} from "../hsm/index.ts";
import type { PreflightConfig } from "./preflight-config.ts";
import { PreflightError } from "./preflight-error.ts";

/** The kid the HSM used and the milliseconds each step of the round trip took. */
export interface RoundTripResult {
  /** The versioned key id the HSM encrypted with. */
  readonly kid: string;
  readonly encryptMs: number;
  readonly decryptMs: number;
  readonly negativeMs: number;
}

/** Which step is running, so a failure can say where it happened. */
export type RoundTripStep = "encrypt" | "decrypt" | "negative";

const plaintextBytes = 32;

/** Checks the `kid` the service returned names the configured HSM, key and resolved version. */
function checkKid(sealed: SealedBytes, key: HsmKey, config: PreflightConfig): void {
  const kid = parseKeyId(sealed.kid);
  const expectedHost = parseManagedHsmUrl(config.url)?.host;
  const differences = [
    kid?.host !== expectedHost && `HSM ${kid?.host} instead of ${expectedHost}`,
    kid?.name.toLowerCase() !== config.keyName.toLowerCase() &&
      `key ${kid?.name} instead of ${config.keyName}`,
    kid?.version.toLowerCase() !== key.version.toLowerCase() &&
      `version ${kid?.version} instead of ${key.version}`,
  ].filter(Boolean);
  if (differences.length > 0)
    throw new PreflightError(`the encrypt result's kid names ${differences.join(", ")}`, {
      code: "KID_MISMATCH",
      requestId: sealed.requestId,
    });
}

function checkSizes(sealed: SealedBytes): void {
  const problems = [
    sealed.iv.length !== 12 && `IV is ${sealed.iv.length} bytes (expected 12)`,
    sealed.tag.length !== 16 && `tag is ${sealed.tag.length} bytes (expected 16)`,
    sealed.ciphertext.length !== plaintextBytes &&
      `ciphertext is ${sealed.ciphertext.length} bytes (expected ${plaintextBytes})`,
  ].filter(Boolean);
  if (problems.length > 0)
    throw new PreflightError(`A256GCM encrypt: ${problems.join(", ")}`, {
      code: "ROUND_TRIP_FAILED",
      requestId: sealed.requestId,
    });
}

/**
 * A256GCM-encrypts 32 random bytes with random AAD, decrypts with the returned `kid`, compares in
 * constant time, and proves the HSM authenticates AAD by decrypting with one bit of it flipped (beside
 * the decrypt). Each step's time counts from when the two decrypts start.
 * `onStep` is told each step before it starts. The random bytes are zeroed before returning.
 */
export async function checkRoundTrip(
  client: ManagedHsmKeyClient,
  key: HsmKey,
  config: PreflightConfig,
  options: { readonly deadline: Deadline; readonly onStep: (step: RoundTripStep) => void },
): Promise<RoundTripResult> {
  const plaintext = randomBytes(plaintextBytes);
  const aad = randomBytes(32);
  const { deadline } = options;
  let opened: Uint8Array | undefined;
  try {
    options.onStep("encrypt");
    let started = performance.now();
    const sealed = await client.encrypt(key, plaintext, { aad, deadline });
    const encryptMs = performance.now() - started;
    checkKid(sealed, key, config);
    checkSizes(sealed);

    // The decrypt and the negative are independent, so they are in flight together (on two connections,
    // the second dialled beside the first: see ManagedHsmKeyClient.addSpareConnection); their verdicts
    // are still read in order, so a failing decrypt is reported as the decrypt's whatever the negative did.
    options.onStep("decrypt");
    started = performance.now();
    const alteredAad = Buffer.from(aad);
    alteredAad[0] = (alteredAad[0] ?? 0) ^ 0x01;
    let decryptId: string | undefined;
    let negativeId: string | undefined;
    const decrypting = client.decrypt(sealed, {
      aad,
      deadline,
      onRequestId: (id) => {
        decryptId = id;
      },
    });
    const negative = client
      .decrypt(sealed, {
        aad: alteredAad,
        deadline,
        onRequestId: (id) => {
          negativeId = id;
        },
      })
      .then(
        (result) => {
          Buffer.from(result.buffer, result.byteOffset, result.byteLength).fill(0);
          return { accepted: true as const, ms: performance.now() - started };
        },
        (error: unknown) => {
          // 400 BadParameter is the HSM refusing an unauthenticated ciphertext: what we want to see.
          if (statusCodeOf(error) === 400)
            return { accepted: false as const, ms: performance.now() - started };
          throw error;
        },
      );
    // Settled here too, so that a decrypt failure thrown below leaves no unhandled rejection behind.
    negative.catch(() => undefined);
    opened = await decrypting;
    const decryptMs = performance.now() - started;
    // Length first: timingSafeEqual needs equal lengths, and a short result is the NUL-byte truncation bug.
    if (opened.length !== plaintext.length || !timingSafeEqual(opened, plaintext))
      throw new PreflightError(
        `A256GCM decrypt with ${sealed.kid} returned ${opened.length === plaintext.length ? "different" : `${opened.length}`} bytes instead of the ${plaintextBytes} encrypted`,
        { code: "ROUND_TRIP_FAILED", requestId: decryptId },
      );

    options.onStep("negative");
    const { accepted, ms: negativeMs } = await negative;
    if (accepted)
      throw new PreflightError(
        `A256GCM decrypt with ${sealed.kid} succeeded with altered AAD; the HSM must refuse it`,
        { code: "AAD_NOT_ENFORCED", requestId: negativeId },
      );
    return { kid: sealed.kid, encryptMs, decryptMs, negativeMs };
  } finally {
    plaintext.fill(0);
    aad.fill(0);
    if (opened !== undefined) Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength).fill(0);
  }
}
