import { type Handler, jsonReply } from "./handler.ts";
import { HttpError } from "./http-error.ts";

/** `GET /healthz`: the process answers; touches nothing remote and no key. */
export const healthzHandler: Handler = async () => jsonReply(200, { status: "ok" });

/** `GET /readyz`: ready only when `isReady` says the keys are loaded (in-memory check, nothing remote). */
export function readyzHandler(isReady: () => boolean): Handler {
  return async () => {
    if (!isReady()) throw new HttpError("signing keys are not loaded yet", { code: "NOT_READY" });
    return jsonReply(200, { status: "ready" });
  };
}
