import { type SigningKeySet, spiffeBundle } from "../svid/index.ts";
import type { Handler, Reply } from "./handler.ts";
import { HttpError } from "./http-error.ts";

/** `GET /bundle`: the trust domain's SPIFFE bundle, rebuilt only when the key set changes. */
export function bundleHandler(options: { keys: SigningKeySet; refreshHintSeconds: number }): Handler {
  let cached: { sequence: number; reply: Reply } | undefined;
  return async () => {
    const { keys } = options;
    if (cached?.sequence !== keys.sequence) {
      const published = keys.published();
      if (published.length === 0) throw new HttpError("no signing key is loaded yet", { code: "NOT_READY" });
      const bundle = spiffeBundle(published, {
        sequence: keys.sequence,
        refreshHintSeconds: options.refreshHintSeconds,
      });
      cached = {
        sequence: keys.sequence,
        reply: { status: 200, body: JSON.stringify(bundle), contentType: "application/json" },
      };
    }
    return cached.reply;
  };
}
