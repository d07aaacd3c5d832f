import { type SigningKeySet, spiffeBundle } from "../svid/index.ts";
import type { Handler, Reply } from "./handler.ts";
import { HttpError } from "./http-error.ts";

/** `GET /bundle`: the trust domain's SPIFFE bundle, rebuilt only when the key set changes. */
export function bundleHandler(options: { keys: SigningKeySet; refreshHintSeconds: number }): Handler {
  // Keyed on the published list itself (rebuilt on every change), not the sequence: a state change leaves
  // spiffe_sequence alone but may still change what is published.
  let cached: { published: readonly unknown[]; reply: Reply } | undefined;
  return async () => {
    const { keys } = options;
    const published = keys.published();
    if (cached?.published !== published) {
      if (published.length === 0) throw new HttpError("no signing key is loaded yet", { code: "NOT_READY" });
      const bundle = spiffeBundle(published, {
        sequence: keys.sequence,
        refreshHintSeconds: options.refreshHintSeconds,
      });
      cached = {
        published,
        reply: { status: 200, body: JSON.stringify(bundle), contentType: "application/json" },
      };
    }
    return cached.reply;
  };
}
