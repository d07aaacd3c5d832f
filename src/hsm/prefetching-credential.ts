import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { raceSignal } from "./deadline.ts";

/** A credential that can start a token request before anyone asks for the token. */
export interface PrefetchingCredential extends TokenCredential {
  /**
   * Starts getting a token for `scopes` now. The first `getToken` with the same scopes, tenant, claims and
   * CAE setting joins this request instead of starting its own; its failure, if any, is theirs to see.
   */
  prefetch(scopes: string[], options?: GetTokenOptions): void;
}

/** Joiners get the prefetched token until this long before it expires, then ask the credential again. */
const refreshMarginMs = 5 * 60_000;

function keyOf(scopes: string | string[], options: GetTokenOptions | undefined): string {
  return JSON.stringify([
    [scopes].flat(),
    options?.tenantId ?? "",
    options?.claims ?? "",
    options?.enableCae === true,
  ]);
}

/**
 * Wraps a credential so a token can be fetched while other work (the HSM's connection and 401 challenge)
 * is in flight. The Key Vault SDK asks for its token only after the HSM's 401 names the resource and
 * tenant, which put the whole Entra round trip (connection, assertion, token) after the HSM's; started
 * early with the same request the SDK will make, the two overlap. A request that does not match (another
 * tenant in the challenge, claims) goes to the credential as before.
 */
export function prefetchingCredential(credential: TokenCredential): PrefetchingCredential {
  const prefetched = new Map<string, Prefetch>();
  return {
    prefetch(scopes, options = {}) {
      const key = keyOf(scopes, options);
      if (prefetched.has(key)) return;
      const entry: Prefetch = { request: credential.getToken(scopes, options), failed: false };
      entry.request.then(
        (token) => {
          if (token === null) prefetched.delete(key);
          else entry.freshUntil = token.expiresOnTimestamp - refreshMarginMs;
        },
        () => {
          // Kept for the first caller to see; it is then dropped, so a retry asks the credential afresh.
          entry.failed = true;
        },
      );
      prefetched.set(key, entry);
    },
    getToken(scopes, options) {
      const key = keyOf(scopes, options);
      const entry = prefetched.get(key);
      if (entry === undefined || (entry.freshUntil !== undefined && Date.now() >= entry.freshUntil)) {
        prefetched.delete(key);
        return credential.getToken(scopes, options);
      }
      const drop = () => {
        if (prefetched.get(key) === entry) prefetched.delete(key);
      };
      if (entry.failed) drop();
      else entry.request.catch(drop);
      // The prefetch ignores a joiner's abort signal; the joiner does not. The SDK's signal is a real
      // AbortSignal in Node; its type here is the SDK's narrower AbortSignalLike.
      const signal = options?.abortSignal as AbortSignal | undefined;
      return signal === undefined ? entry.request : raceSignal(entry.request, signal);
    },
  };
}

interface Prefetch {
  readonly request: Promise<AccessToken | null>;
  /** Settled with an error: handed to one caller, then dropped. */
  failed: boolean;
  /** `Date.now()` after which the token is too close to expiry to hand out. */
  freshUntil?: number;
}
