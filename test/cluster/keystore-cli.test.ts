import { CustomObjectsApi } from "@kubernetes/client-node";
import { execa } from "execa";
import { describe, expect, inject, it } from "vitest";
import { signingKeyCrd } from "../../src/keystore/index.ts";
import { createNamespace, useKeystoreFixture, validity } from "../keystore/cluster-fixture.ts";

const fixture = useKeystoreFixture("kek-cli");
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

function keys(args: readonly string[]) {
  return execa(process.execPath, [cli, "keys", ...args], {
    env: {
      ...fixture.emulator.handle.env,
      PATH: process.env.PATH ?? "",
      KUBECONFIG: inject("cluster").kubeconfig,
      SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL: fixture.kek.url,
      SPIRL_KEYWRAP_AZURE_KEY_NAME: fixture.kekName,
      SPIRL_KEYWRAP_TRUST_DOMAIN: "example.org",
    },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
}

describe("spirl-keywrap keys against the API server and the emulator", () => {
  it("list, verify, rewrap --dry-run, rewrap, and verify naming a broken record", async () => {
    const namespace = await createNamespace(fixture.kubeConfig, "cli");
    const store = fixture.store(namespace);
    const first = await store.createKey({ use: "jwt-svid", ...validity() });
    await store.setState(first.record.name, "active");
    await store.createKey({ use: "jwt-svid", follows: first.record.name, ...validity() });

    const listed = await keys(["list", "--namespace", namespace, "--format", "json"]);
    expect(listed.exitCode).toBe(0);
    const entries = JSON.parse(listed.stdout) as { name: string; state: string; kek: { version: string } }[];
    expect(entries.map((entry) => [entry.name, entry.state])).toEqual([
      ["jwt-svid-1", "active"],
      ["jwt-svid-2", "prepared"],
    ]);
    const text = await keys(["list", "--namespace", namespace]);
    expect(text.stdout.split("\n")[0]).toMatch(/^NAME +USE +KEY ID +STATE +KEK VERSION +CREATED$/);

    const verified = await keys(["verify", "--namespace", namespace]);
    expect({ code: verified.exitCode, last: verified.stdout.trim().split("\n").at(-1) }).toEqual({
      code: 0,
      last: "2 opened, 0 failed",
    });

    const rotated = (await fixture.rotate()).properties.version;
    const dry = await keys(["rewrap", "--namespace", namespace, "--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`pending ${namespace}/jwt-svid-1 ${entries[0]?.kek.version} -> ${rotated}`);
    const rewrapped = await keys(["rewrap", "--namespace", namespace]);
    expect(rewrapped.exitCode).toBe(0);
    expect(rewrapped.stdout.match(/^rewrapped /gm)).toHaveLength(2);

    // A record copied under another name: verify names it, says why, and exits 1.
    const api = fixture.kubeConfig.makeApiClient(CustomObjectsApi);
    await api.createNamespacedCustomObject({
      group: signingKeyCrd.group,
      version: signingKeyCrd.version,
      plural: signingKeyCrd.plural,
      namespace,
      body: {
        apiVersion: "keywrap.spirl.dev/v1alpha1",
        kind: "SigningKey",
        metadata: { name: "jwt-svid-9" },
        spec: first.record.spec,
      },
    });
    const broken = await keys(["verify", "--namespace", namespace]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain(`FAILED ${namespace}/jwt-svid-9: ENVELOPE_CONTEXT_MISMATCH`);
    expect(broken.stdout.trim().split("\n").at(-1)).toBe("2 opened, 1 failed");

    // Another KEK name configured: the rewrap stops before any HSM call, naming both sides.
    const mismatch = await keys(["rewrap", "--namespace", namespace, "--key-name", "other-kek"]);
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toContain("PROVIDER_MISMATCH");
    expect(mismatch.stderr).toContain('"kek-cli"');
    expect(mismatch.stderr).toContain('"other-kek"');
  });
});
