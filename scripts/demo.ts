// `npm run demo`: the project's main job on its embedded default, the local Managed HSM emulator.
//   1. validate the documented example values with the chart's values model;
//   2. start the emulator (HSM https://localhsm.managedhsm.azure.net, Workload Identity client) and create
//      the AES-256 key the product doc's `az keyvault key create` would;
//   3. run the preflight exactly as the init container does (configured only through its environment);
//   4. disable the key and run it again: one line saying what is wrong and what to do;
//   5. render the chart with the real Helm 4 and list what it would create.
import { execa } from "execa";
import { parseAllDocuments } from "yaml";
import { startEmulator } from "../src/emulator/index.ts";

const root = new URL("../", import.meta.url).pathname;
const cli = `${root}src/cli/main.ts`;
const chart = `${root}charts/spirl-system`;
const keyName = "defakto-wrapping-key";
const step = (text: string) => console.log(`\n== ${text}`);

step("spirl-keywrap validate -f charts/spirl-system/ci/example-values.yaml");
const validate = await execa(process.execPath, [cli, "validate", "-f", `${chart}/ci/example-values.yaml`], {
  reject: false,
});
console.log(validate.exitCode === 0 ? "values are valid" : `${validate.stdout}${validate.stderr}`);
const bad = await execa(
  process.execPath,
  [
    cli,
    "validate",
    "-f",
    `${chart}/ci/example-values.yaml`,
    "--set",
    "azure.keyVault.url=https://my-vault.vault.azure.net/",
  ],
  { reject: false },
);
console.log(`with a standard vault URL (exit ${bad.exitCode}):\n${bad.stdout}`);

step("local Managed HSM + Entra ID emulator (dev mode)");
const emulator = await startEmulator();
try {
  const hsmUrl = `${emulator.env.AZURE_KEYVAULT_URL}/`;
  const admin = async (method: string, path: string, body: unknown) => {
    const response = await emulator.admin(method, path, body);
    if (response.status >= 300)
      throw new Error(
        `emulator admin ${method} ${path}: ${response.status} ${JSON.stringify(response.json)}`,
      );
  };
  await admin("POST", `/hsms/localhsm/keys/${keyName}`, {
    kty: "oct-HSM",
    keySize: 256,
    keyOps: ["encrypt", "decrypt"],
  });
  console.log(`HSM ${hsmUrl} with key ${keyName} (oct-HSM, 256 bits, encrypt/decrypt)`);

  // What the chart's init container gets: the pod's Workload Identity variables and the chart's values.
  const pod = {
    ...emulator.env,
    SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: hsmUrl,
    SPIRL_KEYWRAP_AZURE_KEY_NAME: keyName,
    SPIRL_KEYWRAP_PREFLIGHT_TIMEOUT: "30s",
  };
  const preflight = () =>
    execa(process.execPath, [cli, "preflight"], { env: pod, extendEnv: false, reject: false, all: true });

  step("spirl-keywrap preflight (as the keywrap-preflight init container runs it)");
  const passed = await preflight();
  console.log(`${passed.all}\n(exit ${passed.exitCode})`);

  step("the same preflight after the key is disabled in the HSM");
  await admin("PATCH", `/hsms/localhsm/keys/${keyName}`, { enabled: false });
  const failed = await preflight();
  console.log(`${failed.all}\n(exit ${failed.exitCode})`);
  if (passed.exitCode !== 0 || failed.exitCode === 0)
    throw new Error("the demo's preflight runs did not go as expected");
} finally {
  await emulator.close();
}

step("helm template (Helm 4) with the example values");
const helm = await execa(`${root}.tools/bin/helm`, [
  "template",
  "spirl-system",
  chart,
  "-n",
  "spirl-system",
  "-f",
  `${chart}/ci/example-values.yaml`,
]);
for (const doc of parseAllDocuments(helm.stdout)) {
  const object = doc.toJS() as {
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
  } | null;
  if (object === null) continue;
  const hook = object.metadata.annotations?.["helm.sh/hook"];
  console.log(`${object.kind}/${object.metadata.name}${hook === undefined ? "" : `  (hook: ${hook})`}`);
}
