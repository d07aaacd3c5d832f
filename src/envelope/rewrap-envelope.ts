import type { CallOptions, HsmKey } from "../hsm/index.ts";
import type { KekConfig, RecordLocation } from "./envelope-context.ts";
import type { Envelope } from "./envelope-format.ts";
import { type KekClient, unwrapDek, wrapDek } from "./kek-calls.ts";
import { checkedAad, decryptPrivateKey, openEnvelope } from "./open-envelope.ts";
import { parseEnvelope } from "./parse-envelope.ts";

/** The steps of one rewrap, reported after each (tests inject a kill there). */
export type RewrapStep =
  /** The HSM decrypted the DEK with the recorded version and it opens the private key. */
  | "unwrapped"
  /** The HSM encrypted the DEK with the target version. */
  | "wrapped"
  /** The new envelope opened (a second HSM decrypt, with the target version) to the same key. */
  | "verified";

/** Options of {@link rewrapEnvelope}. */
export interface RewrapEnvelopeOptions extends CallOptions {
  readonly envelope: unknown;
  readonly location: RecordLocation;
  readonly kekConfig: KekConfig;
  /** The KEK version to move to: the pinned version, else the latest. */
  readonly target: HsmKey;
  readonly hsm: KekClient;
  /** Called after each step. Default: nothing. */
  readonly onStep?: (step: RewrapStep) => void | Promise<void>;
}

/**
 * Moves the DEK to the target KEK version; touches only `kek` and `wrappedDek` (the context holds no
 * version, so the AAD and the local ciphertext stay). Returns undefined when the envelope is already on
 * the target version. Nothing is written here: the caller stores the result with a precondition.
 */
export async function rewrapEnvelope(options: RewrapEnvelopeOptions): Promise<Envelope | undefined> {
  const parsed = parseEnvelope(options.envelope, options.kekConfig);
  if (parsed.kek.version === options.target.version) return undefined;
  const aad = checkedAad(parsed, options);
  const call = { ...(options.deadline !== undefined && { deadline: options.deadline }) };
  const dek = await unwrapDek(options.hsm, parsed, aad, call);
  let rewrapped: Envelope;
  try {
    // Prove the old record opens before touching it: a broken record is reported, never rewrapped.
    decryptPrivateKey(dek, parsed, aad, options.location);
    await options.onStep?.("unwrapped");
    const wrapped = await wrapDek(options.hsm, options.target, dek, aad, options.kekConfig, call);
    rewrapped = { ...(options.envelope as Envelope), kek: wrapped.kek, wrappedDek: wrapped.wrappedDek };
    await options.onStep?.("wrapped");
  } finally {
    dek.fill(0);
  }
  await openEnvelope({ ...options, envelope: rewrapped });
  await options.onStep?.("verified");
  return rewrapped;
}
