import { parseArgs } from "node:util";
import { printable } from "../errors/index.ts";
import type { Finding } from "../validate/index.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";

const help = `Usage: spirl-keywrap validate [-f FILE]... [--set K=V]... [--set-string K=V]... [--format text|json]

Checks spirl-system chart values exactly as helm install would assemble them: the chart defaults, each -f
file in order, then every --set, then every --set-string (Helm's typing and merge rules, YAML 1.1).
A file with several YAML documents is merged in order, as Helm 4 does (Helm 3 reads only the first).

Options:
  -f, --values FILE      A values file (repeatable)
      --set K=V          Set a value, typed as helm --set does (repeatable)
      --set-string K=V   Set a string value (repeatable)
      --format FORMAT    text (default): one line per finding; json: the findings as data
  -h, --help             Show this help

Exit status: 0 valid, 1 invalid (findings printed), 2 usage error or unreadable input.
`;

function usageError(io: Parameters<Command["run"]>[1], message: string): number {
  io.stderr.write(`spirl-keywrap validate: ${printable(message)}; see 'spirl-keywrap validate --help'\n`);
  return ExitCode.Usage;
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
    // Loaded here, not at the top: `spirl-keywrap --help` and other commands never pay for zod and yaml.
    const [{ checkValues, formatFindingsJson, formatFindingsText }, { isValuesError }] = await Promise.all([
      import("../validate/index.ts"),
      import("../values/index.ts"),
    ]);
    let findings: Finding[];
    try {
      findings = await checkValues({
        valueFiles: options.values ?? [],
        set: options.set ?? [],
        setString: options["set-string"] ?? [],
      });
    } catch (error) {
      if (!isValuesError(error)) throw error;
      io.stderr.write(`spirl-keywrap validate: ${printable(error.message)}\n`);
      return ExitCode.Usage;
    }
    if (format === "json") io.stdout.write(formatFindingsJson(findings));
    else if (findings.length > 0) io.stdout.write(formatFindingsText(findings));
    else io.stdout.write("spirl-keywrap validate: the values are valid\n");
    return findings.length === 0 ? ExitCode.Ok : ExitCode.Invalid;
  },
};

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
