// The agreement corpus: values files judged by the Zod model, Ajv on the generated schema, Helm 4 and
// Helm 3. `valid` is what the product rules say; all four judges must return it for every file.

/** One values file of the corpus. */
export interface CorpusCase {
  readonly name: string;
  readonly yaml: string;
  readonly valid: boolean;
  /**
   * The rule it breaks compares two values (`x-exceeds-seconds`), which JSON Schema cannot state: Ajv on
   * values.schema.json accepts it, while the model, the template checks and so Helm refuse it.
   */
  readonly schemaCannotTell?: boolean;
}

const goodUrl = '"https://my-managed-hsm.managedhsm.azure.net/"';
const goodName = '"defakto-wrapping-key"';

/** Leaves the line out of the file. */
const missing = Symbol("missing");

/** A values file with the three key vault values written verbatim. */
function keyVault(
  url: string | typeof missing,
  name: string | typeof missing = goodName,
  version?: string,
): string {
  const lines = ["azure:", "  keyVault:"];
  if (url !== missing) lines.push(`    url: ${url}`);
  if (name !== missing) lines.push(`    keyName: ${name}`);
  if (version !== undefined) lines.push(`    keyVersion: ${version}`);
  return `${lines.join("\n")}\n`;
}

const base = keyVault(goodUrl);
const hex32 = "0123456789abcdef0123456789abcdef";

const urls: [string, string | typeof missing, boolean][] = [
  ["url: documented example", goodUrl, true],
  ["url: missing", missing, false],
  ["url: no trailing slash", '"https://my-managed-hsm.managedhsm.azure.net"', true],
  ["url: unquoted", "https://my-managed-hsm.managedhsm.azure.net/", true],
  ["url: single-quoted", "'https://my-managed-hsm.managedhsm.azure.net/'", true],
  ["url: 3-character name", '"https://abc.managedhsm.azure.net/"', true],
  ["url: 24-character name", `"https://a${"b".repeat(22)}c.managedhsm.azure.net/"`, true],
  ["url: name with digits", '"https://hsm01.managedhsm.azure.net/"', true],
  ["url: upper-case name", '"https://My-HSM.managedhsm.azure.net/"', true],
  ["url: http scheme", '"http://my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: upper-case scheme", '"HTTPS://my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: no scheme", '"my-managed-hsm.managedhsm.azure.net"', false],
  ["url: ftp scheme", '"ftp://my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: standard vault", '"https://my-vault.vault.azure.net/"', false],
  ["url: standard vault over http", '"http://my-vault.vault.azure.net"', false],
  ["url: key identifier", '"https://my-managed-hsm.managedhsm.azure.net/keys/defakto-wrapping-key"', false],
  [
    "url: key identifier with version",
    `"https://my-managed-hsm.managedhsm.azure.net/keys/k/${hex32}"`,
    false,
  ],
  ["url: user info", '"https://user@my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: user and password", '"https://user:secret@my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: password with @", '"https://admin:s3cr@t!@my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: host in user info", '"https://my-managed-hsm.managedhsm.azure.net@evil.example/"', false],
  ["url: port 443", '"https://my-managed-hsm.managedhsm.azure.net:443/"', false],
  ["url: port 8443", '"https://my-managed-hsm.managedhsm.azure.net:8443"', false],
  ["url: query", '"https://my-managed-hsm.managedhsm.azure.net/?api-version=7.4"', false],
  ["url: fragment", '"https://my-managed-hsm.managedhsm.azure.net/#x"', false],
  ["url: path", '"https://my-managed-hsm.managedhsm.azure.net/hsm"', false],
  ["url: double slash path", '"https://my-managed-hsm.managedhsm.azure.net//"', false],
  ["url: suffix trick", '"https://my-managed-hsm.managedhsm.azure.net.evil.example/"', false],
  ["url: prefix trick", '"https://evil.example/my-managed-hsm.managedhsm.azure.net"', false],
  ["url: fragment trick", '"https://evil.example#.managedhsm.azure.net"', false],
  ["url: sub-subdomain", '"https://a.my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: privatelink host", '"https://my-managed-hsm.privatelink.managedhsm.azure.net/"', false],
  ["url: trailing dot host", '"https://my-managed-hsm.managedhsm.azure.net./"', false],
  ["url: upper-case domain", '"https://my-managed-hsm.MANAGEDHSM.AZURE.NET/"', false],
  ["url: other cloud domain", '"https://my-managed-hsm.managedhsm.usgovcloudapi.net/"', false],
  ["url: empty name", '"https://.managedhsm.azure.net/"', false],
  ["url: 2-character name", '"https://ab.managedhsm.azure.net/"', false],
  ["url: 25-character name", `"https://a${"b".repeat(23)}c.managedhsm.azure.net/"`, false],
  ["url: name starts with a digit", '"https://1hsm.managedhsm.azure.net/"', false],
  ["url: name starts with a hyphen", '"https://-hsm.managedhsm.azure.net/"', false],
  ["url: name ends with a hyphen", '"https://hsm-.managedhsm.azure.net/"', false],
  ["url: underscore in name", '"https://my_hsm.managedhsm.azure.net/"', false],
  ["url: non-ASCII name", '"https://hsmü1.managedhsm.azure.net/"', false],
  ["url: leading space", '" https://my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: trailing space", '"https://my-managed-hsm.managedhsm.azure.net/ "', false],
  ["url: leading no-break space", '"\u00a0https://my-managed-hsm.managedhsm.azure.net/"', false],
  ["url: trailing newline", '"https://my-managed-hsm.managedhsm.azure.net/\\n"', false],
  ["url: tab inside", '"https://my-managed-hsm.managedhsm.azure.net/\\t"', false],
  ["url: empty", '""', false],
  ["url: null deletes it, leaving the empty default", "null", false],
  ["url: unquoted number", "12345", false],
  ["url: unquoted yes", "yes", false],
  ["url: a list", '["https://my-managed-hsm.managedhsm.azure.net/"]', false],
  ["url: a map", "{host: my-managed-hsm}", false],
];

const names: [string, string | typeof missing, boolean][] = [
  ["keyName: one character", "k", true],
  ["keyName: 127 characters", "k".repeat(127), true],
  ["keyName: digits quoted", '"12345"', true],
  ["keyName: hyphens", "a-b-c", true],
  ["keyName: upper case", "Defakto-Key", true],
  ["keyName: 128 characters", "k".repeat(128), false],
  ["keyName: empty", '""', false],
  ["keyName: missing", missing, false],
  ["keyName: null", "null", false],
  ["keyName: underscore", "my_key", false],
  ["keyName: dot", "my.key", false],
  ["keyName: slash", "keys/my-key", false],
  ["keyName: space inside", '"my key"', false],
  ["keyName: trailing space", '"my-key "', false],
  ["keyName: unquoted number", "12345", false],
  ["keyName: unquoted octal", "0755", false],
  ["keyName: unquoted yes", "yes", false],
  ["keyName: unquoted on", "on", false],
  ["keyName: unquoted y", "y", false],
  ["keyName: unquoted float", "1.0", false],
];

const versions: [string, string, boolean][] = [
  ["keyVersion: documented example", '"a1b2c3d4e5f6"', true],
  ["keyVersion: 32 hex", hex32, true],
  ["keyVersion: upper-case hex", '"A1B2C3"', true],
  ["keyVersion: empty", '""', true],
  ["keyVersion: null means latest", "null", true],
  ["keyVersion: tilde null", "~", true],
  ["keyVersion: quoted digits", '"123456"', true],
  ["keyVersion: quoted exponent-looking hex", '"1e3"', true],
  ["keyVersion: latest", "latest", false],
  ["keyVersion: LATEST", '"LATEST"', false],
  ["keyVersion: current", "current", false],
  ["keyVersion: 33 hex", `${hex32}0`, false],
  ["keyVersion: non-hex letter", '"a1b2g3"', false],
  ["keyVersion: hyphenated", '"a1b2-c3d4"', false],
  ["keyVersion: leading space", '" a1b2"', false],
  ["keyVersion: unquoted number", "123456", false],
  ["keyVersion: unquoted exponent", "1e3", false],
  ["keyVersion: unquoted hex number", "0x1F", false],
  ["keyVersion: unquoted yes", "yes", false],
  ["keyVersion: a map", "{v: 1}", false],
];

const other: [string, string, boolean][] = [
  ["no values at all", "", false],
  ["unknown key under keyVault (typo)", `${base}    keyVerison: "a1b2"\n`, false],
  ["unknown key under keyVault (client secret)", `${base}    clientSecret: "s3cr3t"\n`, false],
  ["unknown key under azure", `${base}  kevVault: {}\n`, false],
  ["unknown null key under keyVault", `${base}    extra: null\n`, false],
  ["unknown root key", `${base}foo: bar\n`, false],
  ["__proto__ under keyVault", `${base}    __proto__: {polluted: true}\n`, false],
  ["__proto__ at the root", `${base}__proto__: {}\n`, false],
  ["a dotted root key", `${base}"azure.keyVault": {}\n`, false],
  ["root key with wrong case", `${base}Azure: {}\n`, false],
  ["azure is null", "azure: null\n", false],
  ["keyVault is a string", "azure:\n  keyVault: https://my-managed-hsm.managedhsm.azure.net/\n", false],
  ["global is open", `${base}global:\n  anything: [1, 2]\n  nested: {a: b}\n`, true],
  ["global is a number", `${base}global: 5\n`, false],
  ["enabled condition", `${base}enabled: true\n`, true],
  ["enabled from unquoted yes", `${base}enabled: yes\n`, true],
  ["enabled as a string", `${base}enabled: "yes"\n`, false],
  ["replicas 3", `${base}trustDomainServer:\n  replicas: 3\n`, true],
  ["replicas 0", `${base}trustDomainServer:\n  replicas: 0\n`, true],
  ["replicas 1e2", `${base}trustDomainServer:\n  replicas: 1e2\n`, true],
  ["replicas hex 0x10", `${base}trustDomainServer:\n  replicas: 0x10\n`, true],
  ["replicas negative", `${base}trustDomainServer:\n  replicas: -1\n`, false],
  ["replicas fraction", `${base}trustDomainServer:\n  replicas: 1.5\n`, false],
  ["replicas quoted", `${base}trustDomainServer:\n  replicas: "3"\n`, false],
  ["replicas 101", `${base}trustDomainServer:\n  replicas: 101\n`, false],
  ["pullPolicy Always", `${base}trustDomainServer:\n  image:\n    pullPolicy: Always\n`, true],
  ["pullPolicy wrong case", `${base}trustDomainServer:\n  image:\n    pullPolicy: always\n`, false],
  [
    "repository with registry port",
    `${base}trustDomainServer:\n  image:\n    repository: my.registry:5000/team/tds\n`,
    true,
  ],
  [
    "repository with a tag",
    `${base}trustDomainServer:\n  image:\n    repository: ghcr.io/spirl/tds:1.0\n`,
    false,
  ],
  [
    "repository upper case",
    `${base}trustDomainServer:\n  image:\n    repository: GHCR.io/spirl/tds\n`,
    false,
  ],
  ["image tag", `${base}trustDomainServer:\n  image:\n    tag: v1.2.3\n`, true],
  ["image tag unquoted float", `${base}trustDomainServer:\n  image:\n    tag: 1.0\n`, false],
  ["image tag with colon", `${base}trustDomainServer:\n  image:\n    tag: "a:b"\n`, false],
  ["unknown image key", `${base}trustDomainServer:\n  image:\n    digest: sha256:abc\n`, false],
  ["cpu as a number", `${base}trustDomainServer:\n  resources:\n    limits:\n      cpu: 1\n`, true],
  ["cpu in millicores", `${base}trustDomainServer:\n  resources:\n    limits:\n      cpu: 500m\n`, true],
  ["cpu in words", `${base}trustDomainServer:\n  resources:\n    limits:\n      cpu: 1 core\n`, false],
  ["memory negative", `${base}trustDomainServer:\n  resources:\n    limits:\n      memory: -1\n`, false],
  ["limits removed with null", `${base}trustDomainServer:\n  resources:\n    limits: null\n`, true],
  ["unknown resource", `${base}trustDomainServer:\n  resources:\n    limits:\n      gpu: 1\n`, false],
  ["serviceAccount not created", `${base}serviceAccount:\n  create: false\n  name: my-sa\n`, true],
  ["serviceAccount create as a string", `${base}serviceAccount:\n  create: "false"\n`, false],
  ["serviceAccount name with dots", `${base}serviceAccount:\n  name: sa.team\n`, true],
  ["serviceAccount name upper case", `${base}serviceAccount:\n  name: My_SA\n`, false],
  ["annotations", `${base}serviceAccount:\n  annotations:\n    example.com/a: b\n`, true],
  ["annotations removed with null", `${base}serviceAccount:\n  annotations: null\n`, true],
  ["annotation value a number", `${base}serviceAccount:\n  annotations:\n    a: 1\n`, false],
  [
    "workload identity client id",
    `${base}serviceAccount:\n  workloadIdentity:\n    clientId: 00000000-0000-0000-0000-000000000000\n`,
    true,
  ],
  [
    "workload identity client id upper case",
    `${base}serviceAccount:\n  workloadIdentity:\n    clientId: ABCDEF00-0000-0000-0000-000000000000\n`,
    true,
  ],
  [
    "workload identity client id not a GUID",
    `${base}serviceAccount:\n  workloadIdentity:\n    clientId: my-identity\n`,
    false,
  ],
  [
    "workload identity client secret",
    `${base}serviceAccount:\n  workloadIdentity:\n    clientSecret: x\n`,
    false,
  ],
  [
    "YAML anchors and merge keys",
    `global:\n  kv: &d\n    keyName: ${goodName}\nazure:\n  keyVault:\n    <<: *d\n    url: ${goodUrl}\n`,
    true,
  ],
  [
    "YAML anchor to an unknown root key",
    `defaults: &d\n  keyName: ${goodName}\nazure:\n  keyVault:\n    <<: *d\n    url: ${goodUrl}\n`,
    false,
  ],
  ["flow style", `azure: {keyVault: {url: ${goodUrl}, keyName: ${goodName}}}\n`, true],
  [
    "duplicate key, last wins",
    `${keyVault('"https://my-vault.vault.azure.net/"')}azure:\n  keyVault:\n    url: ${goodUrl}\n    keyName: ${goodName}\n`,
    true,
  ],
];

const hook = (deadline: string, timeout: string) =>
  `${base}preflight:\n  timeout: ${timeout}\n  hook:\n    activeDeadlineSeconds: ${deadline}\n`;

/** preflight.hook.activeDeadlineSeconds must exceed preflight.timeout while the hook is enabled. */
const acrossValues: [string, string, boolean][] = [
  ["hook deadline above the timeout", hook("61", "60s"), true],
  ["hook deadline equal to the timeout", hook("60", "60s"), false],
  ["hook deadline below the timeout", hook("240", "300s"), false],
  ["timeout raised above the default hook deadline", `${base}preflight:\n  timeout: 241s\n`, false],
  [
    "timeout above the hook deadline with the hook disabled",
    `${base}preflight:\n  timeout: 600s\n  hook:\n    enabled: false\n`,
    true,
  ],
];

/** Every case of the corpus. */
export const valuesCorpus: readonly CorpusCase[] = [
  ...urls.map(([name, url, valid]) => ({ name, yaml: keyVault(url), valid })),
  ...names.map(([name, keyName, valid]) => ({ name, yaml: keyVault(goodUrl, keyName), valid })),
  ...versions.map(([name, version, valid]) => ({ name, yaml: keyVault(goodUrl, goodName, version), valid })),
  ...other.map(([name, yaml, valid]) => ({ name, yaml, valid })),
  ...acrossValues.map(([name, yaml, valid]) => ({
    name,
    yaml,
    valid,
    ...(!valid && { schemaCannotTell: true }),
  })),
];
