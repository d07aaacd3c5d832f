import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";
import { usageError as writeUsageError } from "./usage.ts";

const help = `Usage: spirl-keywrap validate [-f FILE]... [--set K=V]... [--set-string K=V]... [--format text|json]

Checks spirl-system chart values exactly as helm install would assemble them: the chart defaults, each -f
file in order, then every --set, then every --set-string (Helm's typing and merge rules, YAML 1.1).
A file with several YAML documents is merged in order, as Helm 4 does (Helm 3 reads only the first).

Options:
  -f, --values FILE      A values file (repeatable; - reads standard input, as helm does)
      --set K=V          Set a value, typed as helm --set does (repeatable)
      --set-string K=V   Set a string value (repeatable)
      --format FORMAT    text (default): one line per finding; json: the findings as data
  -h, --help             Show this help

Exit status: 0 valid, 1 invalid (findings printed), 2 usage error or unreadable input.
`;

function usageError(io: Parameters<Command["run"]>[1], message: string): number {
  return writeUsageError(io, "validate", message);
}

/** `spirl-keywrap validate`: the values model applied to values assembled like helm does. */
export const validateCommand: Command = {
  name: "validate",
  summary: "Check chart values (-f, --set) against the values model, as helm would see them",
  async run(argv, io) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      return usageError(io, (error as Error).message);
    }
    const options = parsed.values;
    if (options.help === true) {
      io.stdout.write(help);
      return ExitCode.Ok;
    }
    if (parsed.positionals.length > 0)
      return usageError(io, `unexpected argument '${parsed.positionals[0]}'`);
    const format = options.format ?? "text";
    if (format !== "text" && format !== "json")
      return usageError(io, `--format must be text or json, got '${format}'`);
    const valueFiles = options.values ?? [];
    const stdin = valueFiles.some((file) => file.trim() === "-")
      ? await readAll(io.stdin ?? process.stdin)
      : undefined;
    // The work (zod, yaml) loads here only: `spirl-keywrap --help` and other commands never pay for it.
    const { runValidate } = await import("./run-validate.ts");
    const result = await runValidate({
      valueFiles,
      set: options.set ?? [],
      setString: options["set-string"] ?? [],
      format,
      ...(stdin === undefined ? {} : { stdin }),
    });
    io.stdout.write(result.stdout);
    io.stderr.write(result.stderr);
    return result.exitCode;
  },
};

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      values: { type: "string", short: "f", multiple: true },
      set: { type: "string", multiple: true },
      "set-string": { type: "string", multiple: true },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
