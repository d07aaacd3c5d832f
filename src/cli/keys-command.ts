import { parseArgs } from "node:util";
import { printable, printableJson } from "../errors/index.ts";
import type { CliIo } from "./cli-io.ts";
import type { Command } from "./command.ts";
import { ExitCode } from "./exit-code.ts";
import { usageError as writeUsageError } from "./usage.ts";

/** The help text; `sources` names the preflight's variables, so they are stated in one place. */
const help = (
  sources: typeof import("../preflight/index.ts").configSources,
) => `Usage: spirl-keywrap keys list   [--namespace NS] [--format text|json]
       spirl-keywrap keys verify [--namespace NS] [--trust-domain TD] [--url URL] [--key-name NAME] [--key-version V]
       spirl-keywrap keys rewrap [--namespace NS] [--trust-domain TD] [--url URL] [--key-name NAME] [--key-version V] [--dry-run]

The Trust Domain Server's signing keys, stored as SigningKey resources (keywrap.spirl.dev) and encrypted
under the Managed HSM key.
  list     the records: name, use, key id, state, KEK version, age (no HSM call)
  verify   opens every record (one HSM decrypt each); names each one that fails and why
  rewrap   moves every record to the target KEK version (--key-version, else the latest): after a rotation

Options (the HSM settings are the preflight's, with the same environment variables; a flag wins):
  --namespace NS       default: the pod's namespace in a cluster, else "default"
  --trust-domain TD    SPIRL_KEYWRAP_TRUST_DOMAIN: the trust domain the records belong to (verify, rewrap)
  --url URL            ${sources.url.env}: https://<hsm-name>.managedhsm.azure.net/
  --key-name NAME      ${sources.keyName.env}
  --key-version V      ${sources.keyVersion.env} (empty: the latest version)
  --format FORMAT      list: text (default) or json
  --dry-run            rewrap: only report which records are not on the target version
  -h, --help           Show this help

The API server comes from KUBECONFIG (or ~/.kube/config), else the in-cluster service account; the HSM
sign-in is DefaultAzureCredential (Workload Identity in a pod).
Exit status: 0 done; 1 a record failed (verify, rewrap) or does not match the configuration; 2 usage or
configuration error.
`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: "string" },
      "trust-domain": { type: "string" },
      url: { type: "string" },
      "key-name": { type: "string" },
      "key-version": { type: "string" },
      format: { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

type Parsed = ReturnType<typeof parse>["values"];

function usageError(io: CliIo, message: string): number {
  return writeUsageError(io, "keys", message);
}

/** `spirl-keywrap keys list|verify|rewrap`: the SigningKey records of a namespace. */
export const keysCommand: Command = {
  name: "keys",
  summary: "List, verify or rewrap the stored signing keys (SigningKey resources)",
  async run(argv, io) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      return usageError(io, (error as Error).message);
    }
    const options = parsed.values;
    if (options.help === true) {
      io.stdout.write(help((await import("../preflight/index.ts")).configSources));
      return ExitCode.Ok;
    }
    const [action, ...extra] = parsed.positionals;
    if (action !== "list" && action !== "verify" && action !== "rewrap")
      return usageError(io, `expected list, verify or rewrap; got ${JSON.stringify(action ?? "")}`);
    if (extra.length > 0) return usageError(io, `unexpected argument ${JSON.stringify(extra[0])}`);
    const format = options.format ?? "text";
    if (format !== "text" && format !== "json") return usageError(io, `--format must be text or json`);
    return runAction(action, options, format, io);
  },
};

async function runAction(
  action: "list" | "verify" | "rewrap",
  options: Parsed,
  format: "text" | "json",
  io: CliIo,
): Promise<number> {
  // Loaded here, not at the top: the other commands and --help never pay for client-node and the Azure SDKs.
  const [keystore, hsm, preflight, envelope, svid] = await Promise.all([
    import("../keystore/index.ts"),
    import("../hsm/index.ts"),
    import("../preflight/index.ts"),
    import("../envelope/index.ts"),
    import("../svid/index.ts"),
  ]);
  const env = process.env;
  const namespace = options.namespace ?? keystore.defaultNamespace();
  let kubeConfig: ReturnType<typeof keystore.loadKubeConfig>;
  try {
    kubeConfig = keystore.loadKubeConfig();
  } catch (error) {
    return usageError(
      io,
      `no Kubernetes configuration (KUBECONFIG or in-cluster): ${(error as Error).message}`,
    );
  }
  if (action === "list") {
    let records: ListRecord[];
    try {
      ({ records } = await keystore.listSigningKeys(kubeConfig, namespace));
    } catch (error) {
      if (!keystore.isKeyStoreError(error)) throw error;
      io.stderr.write(`spirl-keywrap keys list: ${error.code}: ${printable(error.message)}\n`);
      return ExitCode.Invalid;
    }
    io.stdout.write(
      format === "json"
        ? `${printableJson(JSON.stringify(records.map(listEntry), null, 2))}\n`
        : listTable(records),
    );
    return ExitCode.Ok;
  }
  const { configSources } = preflight;
  let config: ReturnType<typeof preflight.validatePreflightConfig>;
  try {
    config = preflight.validatePreflightConfig({
      url: options.url ?? env[configSources.url.env],
      keyName: options["key-name"] ?? env[configSources.keyName.env],
      keyVersion: options["key-version"] ?? env[configSources.keyVersion.env],
    });
  } catch (error) {
    if (preflight.isPreflightError(error)) return usageError(io, error.message);
    throw error;
  }
  // The server's own variable and the SPIFFE rule it checks (src/svid), not a copy of either.
  let trustDomain: string;
  try {
    trustDomain = svid.parseTrustDomain(options["trust-domain"] ?? env.SPIRL_KEYWRAP_TRUST_DOMAIN ?? "");
  } catch (error) {
    if (!svid.isSvidError(error)) throw error;
    return usageError(io, `--trust-domain (or SPIRL_KEYWRAP_TRUST_DOMAIN): ${error.message}`);
  }
  const store = new keystore.SigningKeyStore({
    kubeConfig,
    namespace,
    trustDomain,
    kek: { url: config.url, name: config.keyName, version: config.keyVersion },
    hsm: new hsm.ManagedHsmKeyClient({ vaultUrl: config.url }),
  });
  const describe = (error: unknown) =>
    envelope.isEnvelopeError(error) || keystore.isKeyStoreError(error)
      ? printable(`${error.code}: ${error.message}`)
      : printable(String(error));
  try {
    if (action === "verify") {
      const { ok, failures } = await store.verify();
      for (const record of ok) io.stdout.write(`ok ${namespace}/${record.name}\n`);
      for (const { record, error } of failures)
        io.stdout.write(`FAILED ${namespace}/${record.name}: ${describe(error)}\n`);
      io.stdout.write(`${ok.length} opened, ${failures.length} failed\n`);
      return failures.length === 0 ? ExitCode.Ok : ExitCode.Invalid;
    }
    const report = await store.rewrap({ dryRun: options["dry-run"] === true });
    for (const record of report.records) {
      const to =
        record.outcome === "rewrapped" || record.outcome === "pending" ? ` -> ${report.targetVersion}` : "";
      const why = record.error === undefined ? "" : `: ${describe(record.error)}`;
      io.stdout.write(`${record.outcome} ${namespace}/${record.name} ${record.from}${to}${why}\n`);
    }
    return report.records.some((record) => record.outcome === "failed") ? ExitCode.Invalid : ExitCode.Ok;
  } catch (error) {
    if (envelope.isEnvelopeError(error) || keystore.isKeyStoreError(error)) {
      io.stderr.write(`spirl-keywrap keys ${action}: ${describe(error)}\n`);
      return ExitCode.Invalid;
    }
    throw error;
  }
}

type ListRecord = import("../keystore/index.ts").SigningKeyRecord;

function listEntry(record: ListRecord) {
  return {
    name: record.name,
    namespace: record.namespace,
    use: record.spec.use,
    keyId: record.spec.keyId,
    state: record.state,
    kek: record.spec.envelope.kek,
    notBefore: record.spec.notBefore,
    notAfter: record.spec.notAfter,
    createdAt: record.createdAt,
  };
}

function listTable(records: readonly ListRecord[]): string {
  const rows = [
    ["NAME", "USE", "KEY ID", "STATE", "KEK VERSION", "CREATED"],
    ...records.map((record) =>
      [
        record.name,
        record.spec.use,
        record.spec.keyId,
        record.state,
        record.spec.envelope.kek.version,
        record.createdAt ?? "",
      ].map((cell) => printable(cell)),
    ),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}
