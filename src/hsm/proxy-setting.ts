// The proxy the Azure SDKs use, read the way their proxy policy reads it (@typespec/ts-http-runtime's
// proxyPolicy: HTTPS_PROXY, ALL_PROXY, HTTP_PROXY, each upper case first; NO_PROXY exempts hosts), so a
// failure can be blamed on the proxy, and a bad setting found before the SDK trips over it.

/** The proxy setting in effect. */
export interface ProxySetting {
  /** The variable it came from, as set: `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, … */
  readonly variable: string;
  /** Its value parsed; undefined when the value is not a URL (the SDK then fails at construction). */
  readonly url: URL | undefined;
}

const variables = ["HTTPS_PROXY", "ALL_PROXY", "HTTP_PROXY"] as const;

/** The proxy setting the SDK would use, or undefined when none is set. */
export function proxySetting(env: NodeJS.ProcessEnv): ProxySetting | undefined {
  for (const name of variables)
    for (const variable of [name, name.toLowerCase()]) {
      const value = env[variable];
      if (!value) continue;
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      return { variable, url };
    }
  return undefined;
}

/** `HTTPS_PROXY (http://proxy:3128)`: where the proxy is, never its credentials. */
export function describeProxy(setting: ProxySetting): string {
  const where = setting.url === undefined ? "" : ` (${setting.url.protocol}//${setting.url.host})`;
  return `${setting.variable}${where}`;
}

/** True when requests to `host` go through the proxy: one is set and NO_PROXY does not exempt the host. */
export function usesProxy(host: string, env: NodeJS.ProcessEnv): boolean {
  if (proxySetting(env) === undefined) return false;
  const noProxy = (env.NO_PROXY || env.no_proxy || "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const name = host.toLowerCase();
  return !noProxy.some((pattern) =>
    pattern.startsWith(".") ? name.endsWith(pattern) || name === pattern.slice(1) : name === pattern,
  );
}
