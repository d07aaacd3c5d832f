import { once } from "node:events";
import { parseArgs } from "node:util";
import type { EmulatorConfig } from "../emulator/index.ts";
import type { CliIo } from "./cli-io.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";

const help = `Usage: spirl-keywrap emulator [--config FILE] [--write-env PATH] [--port N] [--admin-port N]

Runs a local Azure Managed HSM + Entra ID emulator on 127.0.0.1 until Ctrl-C (or SIGTERM, SIGHUP).
Unmodified Azure SDKs reach it through HTTPS_PROXY with NODE_EXTRA_CA_CERTS; --write-env writes every
variable they need, and the admin API's URL and bearer token, to an owner-only file.
Without --config: dev mode (HSM https://localhsm.managedhsm.azure.net, one workload identity client
with the Managed HSM Crypto User role).

Options:
  --config FILE     YAML config (HSMs, keys, clients, federated credentials, role assignments, faults)
  --write-env PATH  write HTTPS_PROXY, NODE_EXTRA_CA_CERTS, AZURE_*, AZURE_KEYVAULT_URL and
                    SPIRL_KEYWRAP_EMULATOR_ADMIN_URL / _TOKEN here (mode 0600; a symlink is refused)
  --port N          proxy port (default: any free port)
  --admin-port N    admin API port (default: any free port)
  -h, --help        show this help
`;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535)
    throw new RangeError(`${flag}: expected a port number 0-65535, got '${value}'`);
  return parsed;
}

/** `spirl-keywrap emulator`: starts the emulator and waits for SIGINT, SIGTERM or SIGHUP. */
export const emulatorCommand: Command = {
  name: "emulator",
  summary: "Run a local Managed HSM + Entra ID emulator for the unmodified Azure SDKs",
  async run(argv, io) {
    // Loaded here, not at the top: every `spirl-keywrap` start would otherwise pay for the emulator.
    const library = await import("../emulator/index.ts");
    // Listening from the start: a signal while the config loads or the emulator starts (Ctrl-C, or SIGHUP
    // from a closed terminal) must still end in close(), which removes the temporary directory that holds
    // the federated token; Node's default action would end the process before that.
    const listening = new AbortController();
    const stopped = Promise.race(
      (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) =>
        once(process, signal, { signal: listening.signal }),
      ),
    ).catch(() => undefined);
    try {
      return await serve(argv, io, library, stopped);
    } finally {
      listening.abort();
    }
  },
};

/** Parses the flags, loads the config, starts the emulator and serves until `stopped` settles. */
async function serve(
  argv: readonly string[],
  io: CliIo,
  { loadEmulatorConfig, startEmulator }: typeof import("../emulator/index.ts"),
  stopped: Promise<unknown>,
): Promise<number> {
  let options: { config?: EmulatorConfig; envFile?: string; port?: number; adminPort?: number };
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        config: { type: "string" },
        // Not `--env-file`: Node takes any argument starting with `--env-file` as its own, also among a
        // script's arguments, up to a `--` (nodejs/node#54232, fixed only for `--` by #54237). `npx` runs
        // its own Node with our arguments and no `--`, so that Node would load the file (or exit 9).
        "write-env": { type: "string" },
        port: { type: "string" },
        "admin-port": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.stdout.write(help);
      return ExitCode.Ok;
    }
    const proxyPort = port(values.port, "--port");
    const adminPort = port(values["admin-port"], "--admin-port");
    options = {
      ...(values["write-env"] !== undefined && { envFile: values["write-env"] }),
      ...(proxyPort !== undefined && { port: proxyPort }),
      ...(adminPort !== undefined && { adminPort }),
    };
    if (values.config !== undefined) options.config = await loadEmulatorConfig(values.config);
  } catch (error) {
    io.stderr.write(`spirl-keywrap emulator: ${(error as Error).message}\n`);
    return ExitCode.Usage;
  }
  try {
    const emulator = await startEmulator(options);
    // The admin token is a secret: name where it is, never print it.
    io.stdout.write(
      `emulator ready: HSM ${emulator.env.AZURE_KEYVAULT_URL}, proxy ${emulator.proxyUrl}, admin ${emulator.adminUrl}` +
        `${options.envFile === undefined ? " (its token only with --write-env)" : `, env and admin token in ${options.envFile}`}\n`,
    );
    await stopped;
    await emulator.close();
    return ExitCode.Ok;
  } catch (error) {
    io.stderr.write(`spirl-keywrap emulator: ${(error as Error).message}\n`);
    return ExitCode.Usage;
  }
}
