import { parseArgs } from "node:util";
import { printable } from "../errors/index.ts";
// Light modules only at the top: the server, the key store and the Azure SDKs load when the command runs,
// so `spirl-keywrap --help` and the other commands start without them.
import { configSources } from "../preflight/config-sources.ts";
import { formatPreflightEvent, type LogFormat } from "../preflight/format-preflight-event.ts";
import { parseTimeout } from "../preflight/parse-timeout.ts";
import { isPreflightError } from "../preflight/preflight-error.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";
import { usageError } from "./usage.ts";

/** Each flag's environment variable (the chart sets these); a flag wins. */
const envOf = {
  trustDomain: "SPIRL_KEYWRAP_TRUST_DOMAIN",
  namespace: "SPIRL_KEYWRAP_NAMESPACE",
  listen: "SPIRL_KEYWRAP_LISTEN",
  tokenAudience: "SPIRL_KEYWRAP_TOKEN_AUDIENCE",
  insecureHttp: "SPIRL_KEYWRAP_INSECURE_HTTP",
  tlsCertFile: "SPIRL_KEYWRAP_TLS_CERT_FILE",
  tlsKeyFile: "SPIRL_KEYWRAP_TLS_KEY_FILE",
  devSelfSignedTls: "SPIRL_KEYWRAP_DEV_SELF_SIGNED_TLS",
  timeout: "SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT",
  jwtKeyLifetime: "SPIRL_KEYWRAP_JWT_KEY_LIFETIME",
  jwtKeyPrePublish: "SPIRL_KEYWRAP_JWT_KEY_PREPUBLISH",
  x509KeyLifetime: "SPIRL_KEYWRAP_X509_KEY_LIFETIME",
  x509KeyPrePublish: "SPIRL_KEYWRAP_X509_KEY_PREPUBLISH",
  jwtSvidTtl: "SPIRL_KEYWRAP_JWT_SVID_TTL",
  x509SvidTtl: "SPIRL_KEYWRAP_X509_SVID_TTL",
  rotationCheck: "SPIRL_KEYWRAP_ROTATION_CHECK_INTERVAL",
  kekCheck: "SPIRL_KEYWRAP_KEK_CHECK_INTERVAL",
  leaseName: "SPIRL_KEYWRAP_LEASE_NAME",
  logFormat: "SPIRL_KEYWRAP_LOG_FORMAT",
} as const;

const defaults = {
  listen: "0.0.0.0:8443",
  tokenAudience: "spirl-trust-domain-server",
  timeout: "60s",
  jwtKeyLifetime: "7d",
  jwtKeyPrePublish: "1d",
  x509KeyLifetime: "30d",
  x509KeyPrePublish: "3d",
  jwtSvidTtl: "5m",
  x509SvidTtl: "1h",
  rotationCheck: "30s",
  kekCheck: "1h",
} as const;

/** Flag of each duration setting, with its variable and default (same key in envOf and defaults). */
const durationFlags = {
  "jwt-key-lifetime": "jwtKeyLifetime",
  "jwt-key-prepublish": "jwtKeyPrePublish",
  "x509-key-lifetime": "x509KeyLifetime",
  "x509-key-prepublish": "x509KeyPrePublish",
  "jwt-svid-ttl": "jwtSvidTtl",
  "x509-svid-ttl": "x509SvidTtl",
  "rotation-check-interval": "rotationCheck",
  "kek-check-interval": "kekCheck",
} as const;

const help = `Usage: spirl-keywrap server --trust-domain TD [--namespace NS] [--listen HOST:PORT]
                             [--token-audience AUD] [--tls-cert-file FILE --tls-key-file FILE | --dev-self-signed-tls
                              | --insecure-http]
                             [--url URL] [--key-name NAME] [--key-version VERSION]
                             [--timeout DURATION] [--log-format text|json]

The SPIFFE Trust Domain Server. At start: logs the key-wrapping line and runs the preflight checks (a
failure stops it with the preflight's classified line and exit status), opens every SigningKey of the
namespace with the Managed HSM (a key stored under another provider, HSM or key name is refused), and
creates and stores one key per use when there is none. Then it serves, with no HSM call:
  GET /bundle, POST /svid/jwt {"audience":[...]}, POST /svid/x509 {"csr":"<PEM>"},
  GET /healthz, /readyz, /metrics
Callers send 'Authorization: Bearer <service-account token for AUD>', checked by TokenReview.
SIGTERM or SIGINT: stop accepting, finish requests in flight, exit 0.

Options (each also read from the environment; a flag wins):
  --trust-domain TD        ${envOf.trustDomain} (required)
  --namespace NS           ${envOf.namespace}: where the SigningKeys live (default: the pod's, else default)
  --listen HOST:PORT       ${envOf.listen} (default ${defaults.listen})
  --token-audience AUD     ${envOf.tokenAudience} (default ${defaults.tokenAudience})
  --tls-cert-file FILE     ${envOf.tlsCertFile}: serving certificate (PEM)
  --tls-key-file FILE      ${envOf.tlsKeyFile}: its private key (PEM)
  --dev-self-signed-tls    ${envOf.devSelfSignedTls}=true: HTTPS with a self-signed certificate made at
                           start (development only; logged)
  --insecure-http          ${envOf.insecureHttp}=true: plain HTTP (behind a TLS-terminating proxy only)
  --url URL                ${configSources.url.env}: https://<hsm-name>.managedhsm.azure.net/
  --key-name NAME          ${configSources.keyName.env}
  --key-version VERSION    ${configSources.keyVersion.env} (empty: the latest version)
  --timeout DURATION       ${envOf.timeout}: budget of the preflight checks (default ${defaults.timeout})
  --jwt-key-lifetime D     ${envOf.jwtKeyLifetime}: life of a JWT-SVID signing key (default ${defaults.jwtKeyLifetime})
  --jwt-key-prepublish D   ${envOf.jwtKeyPrePublish}: the next one is in the bundle this long before it
                           signs (default ${defaults.jwtKeyPrePublish})
  --x509-key-lifetime D    ${envOf.x509KeyLifetime}: life of an X509-SVID CA key (default ${defaults.x509KeyLifetime})
  --x509-key-prepublish D  ${envOf.x509KeyPrePublish} (default ${defaults.x509KeyPrePublish})
  --jwt-svid-ttl D         ${envOf.jwtSvidTtl}: JWT-SVID lifetime (default ${defaults.jwtSvidTtl})
  --x509-svid-ttl D        ${envOf.x509SvidTtl}: X509-SVID lifetime (default ${defaults.x509SvidTtl})
  --rotation-check-interval D
                           ${envOf.rotationCheck}: how often key rotation is checked (default ${defaults.rotationCheck})
  --lease-name NAME        ${envOf.leaseName}: only the holder of this Lease in the namespace rotates and
                           rewraps (the chart sets it); unset: this replica does
  --kek-check-interval D   ${envOf.kekCheck}: how often the HSM key's latest version is read (one getKey)
                           to rewrap the envelopes onto it (default ${defaults.kekCheck}; pinned: at start only)
  Durations: a whole number with s, m, h or d (90s, 12h, 7d). A key lives longer than its
  pre-publication plus the SVID lifetime: it is replaced that long before it expires.
  --log-format FORMAT      ${envOf.logFormat}: text (default) or json
  -h, --help               Show this help
KUBECONFIG, else the in-cluster service account, says where the API server is.

Exit status: 0 stopped by a signal; 2 usage error; 10-35 a preflight failure (the README's catalogue);
40 a SigningKey of another key-wrapping provider; 41 SigningKeys unavailable; 42 cannot serve; 70 a bug.
`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      "trust-domain": { type: "string" },
      namespace: { type: "string" },
      listen: { type: "string" },
      "token-audience": { type: "string" },
      "tls-cert-file": { type: "string" },
      "tls-key-file": { type: "string" },
      "insecure-http": { type: "boolean" },
      "dev-self-signed-tls": { type: "boolean" },
      url: { type: "string" },
      "key-name": { type: "string" },
      "key-version": { type: "string" },
      timeout: { type: "string" },
      "log-format": { type: "string" },
      "jwt-key-lifetime": { type: "string" },
      "jwt-key-prepublish": { type: "string" },
      "x509-key-lifetime": { type: "string" },
      "x509-key-prepublish": { type: "string" },
      "jwt-svid-ttl": { type: "string" },
      "x509-svid-ttl": { type: "string" },
      "rotation-check-interval": { type: "string" },
      "kek-check-interval": { type: "string" },
      "lease-name": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

const durationUnits: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `12h`, `7d`, ... to whole seconds; throws a one-line RangeError naming the setting. */
export function parseDurationSeconds(value: string, source: string): number {
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(value);
  if (match === null)
    throw new RangeError(
      `${source}: expected a duration such as 90s, 12h or 7d; got ${JSON.stringify(printable(value))}`,
    );
  return Number(match[1]) * (durationUnits[match[2] ?? "s"] ?? 1);
}

/** `HOST:PORT` (IPv6 in brackets); throws a one-line RangeError naming the flag. */
export function parseListen(value: string, source: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || match[1] === undefined || !(port >= 0 && port <= 65_535))
    throw new RangeError(
      `${source}: expected HOST:PORT (e.g. 0.0.0.0:8443); got ${JSON.stringify(printable(value))}`,
    );
  const host = match[1].replace(/^\[|\]$/g, "");
  return { host: host === "" ? "0.0.0.0" : host, port };
}

class UsageError extends Error {}

/** The settings, from flags then the environment; throws UsageError (one line) when they do not fit. */
function settingsOf(values: ReturnType<typeof parse>["values"], env: NodeJS.ProcessEnv) {
  const pick = (flag: string | undefined, variable: string) =>
    flag ?? (env[variable] === "" ? undefined : env[variable]);
  const trustDomain = pick(values["trust-domain"], envOf.trustDomain);
  if (trustDomain === undefined) throw new UsageError(`--trust-domain (or ${envOf.trustDomain}) is required`);
  const format = pick(values["log-format"], envOf.logFormat) ?? "text";
  if (format !== "text" && format !== "json")
    throw new UsageError(`--log-format must be text or json; got ${JSON.stringify(printable(format))}`);
  const insecureHttp = values["insecure-http"] === true || env[envOf.insecureHttp] === "true";
  const certFile = pick(values["tls-cert-file"], envOf.tlsCertFile);
  const keyFile = pick(values["tls-key-file"], envOf.tlsKeyFile);
  const selfSigned = values["dev-self-signed-tls"] === true || env[envOf.devSelfSignedTls] === "true";
  // Exactly one way to serve: a certificate (both files), a self-signed one, or plain HTTP.
  const ways = [certFile !== undefined || keyFile !== undefined, selfSigned, insecureHttp];
  if (ways.filter(Boolean).length !== 1 || (certFile === undefined) !== (keyFile === undefined))
    throw new UsageError(
      "give --tls-cert-file and --tls-key-file (a serving certificate), --dev-self-signed-tls, or --insecure-http",
    );
  const listenSource = values.listen === undefined ? envOf.listen : "--listen";
  const seconds = {} as Record<(typeof durationFlags)[keyof typeof durationFlags], number>;
  for (const [flag, key] of Object.entries(durationFlags) as [
    keyof typeof durationFlags,
    keyof typeof seconds,
  ][]) {
    const given = values[flag] as string | undefined;
    try {
      seconds[key] = parseDurationSeconds(
        pick(given, envOf[key]) ?? defaults[key],
        given === undefined ? envOf[key] : `--${flag}`,
      );
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  for (const [use, lifetime, prePublish, ttl] of [
    ["jwt", seconds.jwtKeyLifetime, seconds.jwtKeyPrePublish, seconds.jwtSvidTtl],
    ["x509", seconds.x509KeyLifetime, seconds.x509KeyPrePublish, seconds.x509SvidTtl],
  ] as const)
    if (lifetime <= prePublish + ttl)
      throw new UsageError(
        `--${use}-key-lifetime (${lifetime}s) must be longer than --${use}-key-prepublish plus --${use}-svid-ttl (${prePublish + ttl}s)`,
      );
  let listen: { host: string; port: number };
  let timeoutMs: number;
  try {
    listen = parseListen(pick(values.listen, envOf.listen) ?? defaults.listen, listenSource);
    timeoutMs = parseTimeout(
      pick(values.timeout, envOf.timeout) ?? defaults.timeout,
      values.timeout === undefined ? envOf.timeout : "--timeout",
    );
  } catch (error) {
    if (isPreflightError(error)) throw error;
    throw new UsageError((error as Error).message);
  }
  return {
    trustDomain,
    namespace: pick(values.namespace, envOf.namespace),
    listen,
    tokenAudience: pick(values["token-audience"], envOf.tokenAudience) ?? defaults.tokenAudience,
    ...(certFile !== undefined && keyFile !== undefined && { tls: { certFile, keyFile } }),
    ...(selfSigned && { tls: { selfSigned: true as const } }),
    insecureHttp,
    timeoutMs,
    rotation: {
      policy: {
        "jwt-svid": { lifetimeSeconds: seconds.jwtKeyLifetime, prePublishSeconds: seconds.jwtKeyPrePublish },
        "x509-svid": {
          lifetimeSeconds: seconds.x509KeyLifetime,
          prePublishSeconds: seconds.x509KeyPrePublish,
        },
      },
      checkIntervalMs: seconds.rotationCheck * 1000,
    },
    svidTtlSeconds: { jwt: seconds.jwtSvidTtl, x509: seconds.x509SvidTtl },
    kekCheckIntervalMs: seconds.kekCheck * 1000,
    leaseName: pick(values["lease-name"], envOf.leaseName),
    format: format as LogFormat,
    hsm: {
      url: values.url ?? env[configSources.url.env],
      keyName: values["key-name"] ?? env[configSources.keyName.env],
      keyVersion: values["key-version"] ?? env[configSources.keyVersion.env],
    },
  };
}

/** `spirl-keywrap server`: the Trust Domain Server, until SIGTERM. */
export const serverCommand: Command = {
  name: "server",
  summary: "Run the SPIFFE Trust Domain Server: signing keys wrapped by the Managed HSM, SVIDs over HTTPS",
  async run(argv, io) {
    const env = process.env;
    const usage = (message: string) => usageError(io, "server", message);
    let settings: ReturnType<typeof settingsOf>;
    try {
      const { values } = parse(argv);
      if (values.help === true) {
        io.stdout.write(help);
        return ExitCode.Ok;
      }
      settings = settingsOf(values, env);
    } catch (error) {
      if (isPreflightError(error)) {
        io.stderr.write(
          `${formatPreflightEvent({ kind: "failed", error, calls: undefined }, "text")
            .map((l) => l.line)
            .join("\n")}\n`,
        );
        return error.exitCode;
      }
      return usage((error as Error).message);
    }
    const [
      { closeOnSignal, createServerLog, isServerStartError, startTrustDomainServer, validateServerSettings },
      keystore,
    ] = await Promise.all([import("../server/index.ts"), import("../keystore/index.ts")]);
    try {
      validateServerSettings(settings, {
        trustDomain: `--trust-domain or ${envOf.trustDomain}`,
        tokenAudience: `--token-audience or ${envOf.tokenAudience}`,
      });
    } catch (error) {
      if (!isServerStartError(error)) throw error;
      return usage(error.message);
    }
    const log = createServerLog({ format: settings.format, stdout: io.stdout, stderr: io.stderr });
    const namespace = settings.namespace ?? keystore.defaultNamespace();
    let started: Awaited<ReturnType<typeof startTrustDomainServer>>;
    try {
      started = await startTrustDomainServer({
        trustDomain: settings.trustDomain,
        namespace,
        hsm: settings.hsm,
        tokenAudience: settings.tokenAudience,
        kubeConfig: keystore.loadKubeConfig(),
        listen: settings.listen,
        ...(settings.tls !== undefined && { tls: settings.tls }),
        insecureHttp: settings.insecureHttp,
        preflightTimeoutMs: settings.timeoutMs,
        rotation: settings.rotation,
        kekCheckIntervalMs: settings.kekCheckIntervalMs,
        ...(settings.leaseName !== undefined && { lease: { name: settings.leaseName } }),
        server: { jwtTtlSeconds: settings.svidTtlSeconds.jwt, x509TtlSeconds: settings.svidTtlSeconds.x509 },
        env,
        onPreflightEvent: (event) => {
          // The preflight's own lines, as `spirl-keywrap preflight` prints them (its debug line left out).
          for (const { level, line } of formatPreflightEvent(event, settings.format))
            if (level !== "debug") (level === "error" ? io.stderr : io.stdout).write(`${line}\n`);
        },
        log,
      });
    } catch (error) {
      if (isPreflightError(error)) return error.exitCode;
      if (isServerStartError(error)) {
        log({
          level: "error",
          msg: "server did not start",
          fields: { code: error.code, reason: error.message },
        });
        return error.exitCode;
      }
      throw error;
    }
    const keys = {
      clear: () => {
        // Rotation stops with the watch: nothing writes or opens keys once shutdown begins.
        started.stopWatching();
        started.keys.clear();
      },
    };
    await closeOnSignal(started.server, { keys, log });
    return ExitCode.Ok;
  },
};
