import { parseArgs } from "node:util";
import { configSources } from "../preflight/config-sources.ts";
// Only the light modules at the top (not src/preflight/index.ts, which re-exports run-preflight.ts and so
// loads the Azure SDKs): `spirl-keywrap --help` and the other commands start without them.
import { formatPreflightEvent, type LogFormat, type LogLevel } from "../preflight/format-preflight-event.ts";
import type { PreflightOptions, PreflightReport } from "../preflight/index.ts";
import { parseTimeout } from "../preflight/parse-timeout.ts";
import { isPreflightError } from "../preflight/preflight-error.ts";
import type { PreflightEvent } from "../preflight/preflight-event.ts";
import type { SignIn } from "../preflight/sign-in.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";
import { usageError } from "./usage.ts";

const help = `Usage: spirl-keywrap preflight [--url URL] [--key-name NAME] [--key-version VERSION]
                                [--timeout DURATION] [--log-format text|json] [--log-level info|debug]

Proves the Managed HSM key can wrap keys before the Trust Domain Server starts: re-validates the key
settings with the chart's values model, logs the start line, checks the key (oct-HSM, 256 bits, enabled,
nbf/exp, key_ops), does an A256GCM round trip with random AAD and checks that altered AAD is refused.
Signs in with Workload Identity; AZURE_TOKEN_CREDENTIALS picks another credential of DefaultAzureCredential's
chain in the CLI only (the image's preflight refuses it).

Options (each also read from the environment; a flag wins):
  --url URL              ${configSources.url.env}: https://<hsm-name>.managedhsm.azure.net/
  --key-name NAME        ${configSources.keyName.env}
  --key-version VERSION  ${configSources.keyVersion.env} (empty: the latest version)
  --timeout DURATION     SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: overall budget from the process start, retries
                         included (default 60s, as the chart); the process ends by then whatever hangs
  --log-format FORMAT    SPIRL_KEYWRAP_LOG_FORMAT: text (default) or json
  --log-level LEVEL      SPIRL_KEYWRAP_LOG_LEVEL: info (default) or debug (adds the HSM call count)
  -h, --help             Show this help

Exit status: 0 passed; 2 usage error; 10 and above: a classified failure (see the README's failure catalogue).
`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      url: { type: "string" },
      "key-name": { type: "string" },
      "key-version": { type: "string" },
      timeout: { type: "string" },
      "log-format": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function isLogFormat(value: string): value is LogFormat {
  return value === "text" || value === "json";
}

/** `spirl-keywrap preflight`: the init container and pre-install hook check. */
/** What {@link preflightCommandWith} runs the preflight with. */
export interface PreflightRunner {
  /**
   * runPreflight. The CLI loads it on demand, so its other commands start without the Azure SDKs; the
   * image's entry (preflight-main.ts) imports it: a dynamic import in a bundle makes esbuild wrap every module
   * behind it for lazy start, and a lazily started @azure/identity starts every credential of its index.
   */
  readonly runPreflight: (options: PreflightOptions) => Promise<PreflightReport>;
  /** How to sign in. Default: Workload Identity only (the image, so its bundle leaves the other credentials out). */
  readonly signIn?: SignIn;
}

/** `spirl-keywrap preflight`, run with `runner`. */
export function preflightCommandWith(runner: PreflightRunner): Command {
  return {
    name: "preflight",
    summary: "Prove the Managed HSM key works for key wrapping, or stop with a classified error",
    async run(argv, io) {
      const env = process.env;
      let values: ReturnType<typeof parse>["values"];
      try {
        values = parse(argv).values;
      } catch (error) {
        return usageError(io, "preflight", (error as Error).message);
      }
      if (values.help === true) {
        io.stdout.write(help);
        return ExitCode.Ok;
      }
      const format = values["log-format"] ?? env.SPIRL_KEYWRAP_LOG_FORMAT ?? "text";
      const level = values["log-level"] ?? env.SPIRL_KEYWRAP_LOG_LEVEL ?? "info";
      if (!isLogFormat(format) || (level !== "info" && level !== "debug")) {
        io.stderr.write(
          `spirl-keywrap preflight: --log-format must be text or json and --log-level info or debug; got ${format}, ${level}\n`,
        );
        return ExitCode.Usage;
      }
      const reported = new WeakSet<object>();
      const write = (lines: { level: LogLevel; line: string }[]) => {
        for (const { level: lineLevel, line } of lines) {
          if (lineLevel === "debug" && level !== "debug") continue;
          (lineLevel === "error" ? io.stderr : io.stdout).write(`${line}\n`);
        }
      };
      const emit = (event: PreflightEvent) => {
        if (event.kind === "failed") reported.add(event.error);
        write(formatPreflightEvent(event, format));
      };
      try {
        const timeoutMs = parseTimeout(
          values.timeout ?? env.SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT ?? "60s",
          values.timeout === undefined ? "SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT" : "--timeout",
        );
        await runner.runPreflight({
          input: {
            url: values.url ?? env[configSources.url.env],
            keyName: values["key-name"] ?? env[configSources.keyName.env],
            keyVersion: values["key-version"] ?? env[configSources.keyVersion.env],
          },
          timeoutMs,
          // The budget counts from the process start: an init container's promise includes loading the SDKs.
          startedAt: 0,
          env,
          onEvent: emit,
          ...(runner.signIn !== undefined && { signIn: runner.signIn }),
        });
        return ExitCode.Ok;
      } catch (error) {
        if (!isPreflightError(error)) throw error;
        // runPreflight reports its own failures; a bad timeout is found before it starts.
        if (!reported.has(error)) emit({ kind: "failed", error, calls: undefined });
        return error.exitCode;
      }
    },
  };
}
