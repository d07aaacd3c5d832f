import { describeProxy, proxySetting } from "../hsm/index.ts";
import { PreflightError } from "./preflight-error.ts";

/**
 * Checks the proxy setting before any client is built: the Azure SDK parses it while constructing its
 * pipeline, and a value that is not a URL would surface as a bare "Invalid URL" from deep inside it.
 * The value is never echoed: a proxy URL may carry a password.
 */
export function checkProxy(env: NodeJS.ProcessEnv): void {
  const setting = proxySetting(env);
  if (setting === undefined) return;
  if (setting.url === undefined)
    throw new PreflightError(
      `${setting.variable} is not a URL; expected http://<host>:<port> (the value is not shown: it may hold a password)`,
      { code: "PROXY" },
    );
  if (setting.url.protocol !== "http:" && setting.url.protocol !== "https:")
    throw new PreflightError(
      `${describeProxy(setting)} uses the scheme ${setting.url.protocol.slice(0, -1)}; the Azure SDK speaks only http:// and https:// to a proxy`,
      { code: "PROXY" },
    );
}
