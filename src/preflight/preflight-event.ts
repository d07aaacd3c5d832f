import type { HsmCallStats } from "../hsm/index.ts";
import type { PreflightError } from "./preflight-error.ts";

/** Milliseconds per step of a successful run. */
export interface PreflightTimings {
  readonly totalMs: number;
  /** Token requests, inside the first HSM call. */
  readonly tokenMs: number;
  /** Includes the challenge round trip and the token. */
  readonly getKeyMs: number;
  readonly encryptMs: number;
  readonly decryptMs: number;
  readonly negativeMs: number;
}

/** What a successful preflight proved. */
export interface PreflightReport {
  /** The version checked: the pinned one, or the latest at the time of the run. */
  readonly keyVersion: string;
  /** The versioned key id the HSM encrypted with. */
  readonly kid: string;
  readonly timings: PreflightTimings;
  readonly calls: HsmCallStats;
}

/** Everything the preflight reports, as data; formatting is separate (text or JSON). */
export type PreflightEvent =
  | {
      readonly kind: "start";
      readonly keyVaultURL: string;
      readonly keyName: string;
      readonly keyVersion: string | undefined;
    }
  | { readonly kind: "passed"; readonly report: PreflightReport }
  | { readonly kind: "calls"; readonly calls: HsmCallStats; readonly attempts?: number }
  | { readonly kind: "failed"; readonly error: PreflightError; readonly calls: HsmCallStats | undefined };
