import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { coalesceValues } from "./coalesce-values.ts";
import { parseSetArgument } from "./parse-set-argument.ts";
import { mergeMaps, type ParsedValuesFile, parseValuesYaml } from "./parse-values-yaml.ts";
import { ValuesError } from "./values-error.ts";

/** One place values came from, kept so findings can point at it. */
export type ValuesLayer =
  | { readonly kind: "file"; readonly file: ParsedValuesFile }
  | {
      readonly kind: "flag";
      readonly flag: "--set" | "--set-string";
      readonly argument: string;
      /** What this argument alone sets. */
      readonly value: Record<string, unknown>;
    };

/** Options of assembleValues: the same inputs as `helm install`. */
export interface AssembleValuesOptions {
  /** `-f/--values` files, in command-line order. Default none. */
  readonly valueFiles?: readonly string[];
  /** `--set` arguments, in order. Default none. */
  readonly set?: readonly string[];
  /** `--set-string` arguments, in order (Helm applies them after every `--set`). Default none. */
  readonly setString?: readonly string[];
  /** The chart's values.yaml. Default: the spirl-system chart shipped with this package. */
  readonly chartValuesFile?: string;
  /** Reads standard input, for `-f -` (Helm reads stdin for a file named `-`). Default: none, `-` is refused. */
  readonly readStdin?: () => Promise<Uint8Array>;
}

/** The final values and where each part came from, lowest precedence first. */
export interface AssembledValues {
  readonly values: Record<string, unknown>;
  readonly layers: readonly ValuesLayer[];
}

/** Path of the chart's values.yaml in this package. */
const chartValuesFile = fileURLToPath(new URL("../../charts/spirl-system/values.yaml", import.meta.url));

async function readValuesFile(
  path: string,
  name: string,
  readStdin: (() => Promise<Uint8Array>) | undefined,
): Promise<ParsedValuesFile> {
  // Bytes, not text: decoding is the YAML reader's job (a BOM, UTF-16, or a malformed byte Helm refuses).
  let bytes: Uint8Array;
  try {
    // Helm: `strings.TrimSpace(filePath) == "-"` reads standard input.
    if (path.trim() === "-") {
      if (readStdin === undefined) throw Object.assign(new Error("no standard input"), { code: "ENOSTDIN" });
      bytes = await readStdin();
    } else bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ValuesError(`${name}: cannot read the values file (${reason})`, {
      code: "E_VALUES_READ",
      cause: error,
    });
  }
  return parseValuesYaml(bytes, name);
}

/**
 * Builds the values exactly as Helm does for `install`/`template`: the -f files merged in order, then
 * every --set, then every --set-string, all coalesced over the chart defaults. Throws ValuesError when
 * an input cannot be read.
 */
export async function assembleValues(options: AssembleValuesOptions = {}): Promise<AssembledValues> {
  const chartFile = options.chartValuesFile ?? chartValuesFile;
  const chart = await readValuesFile(chartFile, relative(process.cwd(), chartFile) || chartFile, undefined);
  const layers: ValuesLayer[] = [{ kind: "file", file: chart }];
  let user: Record<string, unknown> = {};
  for (const path of options.valueFiles ?? []) {
    const file = await readValuesFile(path, path.trim() === "-" ? "(stdin)" : path, options.readStdin);
    layers.push({ kind: "file", file });
    user = mergeMaps(user, file.value);
  }
  const flags = [
    ...(options.set ?? []).map((argument) => ({ flag: "--set" as const, argument })),
    ...(options.setString ?? []).map((argument) => ({ flag: "--set-string" as const, argument })),
  ];
  for (const { flag, argument } of flags) {
    const asString = flag === "--set-string";
    parseSetArgument(argument, user, { asString });
    const alone: Record<string, unknown> = {};
    parseSetArgument(argument, alone, { asString });
    layers.push({ kind: "flag", flag, argument, value: alone });
  }
  return { values: coalesceValues(chart.value, user), layers };
}
