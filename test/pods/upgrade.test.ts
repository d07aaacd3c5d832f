// `helm upgrade` on a cluster that runs Pods, with Helm 4 and Helm 3: a rotated HSM key is picked up (keys
// rewrapped, SVIDs keep verifying across the rollout); another key name is refused by the chart's check and,
// if that is bypassed, by the server's own provider-mismatch check.
import { describe, expect, it } from "vitest";
import { helms } from "../helpers/helm.ts";
import {
  admin,
  createKey,
  emulatorAdmin,
  federateRelease,
  fetchSvidFromPod,
  helmRelease,
  installFresh,
  listPods,
  readyServerPods,
  releaseValues,
  serverLog,
  signingKeys,
  uniqueName,
  waitFor,
} from "../helpers/pod-cluster.ts";

const waitArgs = ["--wait", "--timeout", "4m"];

describe.each(helms)("helm upgrade with $name", ({ name: helm, major }) => {
  it("after a KEK rotation pinned by keyVersion: rolls out, rewraps every key, SVIDs keep verifying", async () => {
    const { namespace, keyName, install } = await installFresh(helm, `rotate-h${major}`);
    expect(install.exitCode, install.stderr).toBe(0);
    const [before] = await readyServerPods(namespace, "tds");
    const svidBefore = await fetchSvidFromPod(namespace, before?.status.podIP ?? "");
    const keysBefore = await waitFor("a SigningKey per use", async () => {
      const keys = await signingKeys(namespace);
      return keys.length >= 2 ? keys : undefined;
    });
    const oldVersion = keysBefore[0]?.spec.envelope.kek.version;

    // Rotate in the HSM (a new version of the same key), then pin it: the pod template changes, so it rolls.
    const rotated = (await emulatorAdmin("POST", `/hsms/localhsm/keys/${keyName}`)) as {
      key: { kid: string };
    };
    const newVersion = rotated.key.kid.split("/").at(-1) ?? "";
    expect(newVersion).not.toBe(oldVersion);
    const upgrade = await helmRelease(helm, "upgrade", "tds", namespace, [
      ...releaseValues(keyName, { "azure.keyVault.keyVersion": newVersion }),
      ...waitArgs,
    ]);
    expect(upgrade.exitCode, `${upgrade.stdout}\n${upgrade.stderr}`).toBe(0);

    const [after] = await waitFor("a ready server Pod of the new revision", async () => {
      const pods = await readyServerPods(namespace, "tds");
      return pods.length === 1 && pods[0]?.metadata.name !== before?.metadata.name ? pods : undefined;
    });
    // Every stored key ends up wrapped by the new version, and none is lost.
    const keysAfter = await waitFor("every SigningKey rewrapped", async () => {
      const keys = await signingKeys(namespace);
      return keys.every((key) => key.spec.envelope.kek.version === newVersion) ? keys : undefined;
    });
    expect(keysAfter.map((key) => key.spec.keyId).sort()).toEqual(
      keysBefore.map((key) => key.spec.keyId).sort(),
    );
    // The same signing key still signs after the rollout, and the new Pod's bundle verifies its SVIDs.
    const svidAfter = await fetchSvidFromPod(namespace, after?.status.podIP ?? "");
    expect(svidAfter).toMatchObject({ verified: true, kid: svidBefore.kid });
  });

  it("to another HSM or key name: the chart refuses; with the check bypassed, the server refuses to start", async () => {
    const namespace = uniqueName(`switch-h${major}`);
    const keyName = uniqueName("kek");
    const otherKey = uniqueName("other");
    await createKey(keyName);
    await createKey(otherKey);
    await federateRelease(namespace, "tds");
    const install = await helmRelease(helm, "install", "tds", namespace, [
      ...releaseValues(keyName),
      ...waitArgs,
    ]);
    expect(install.exitCode, install.stderr).toBe(0);
    await waitFor("a SigningKey per use", async () =>
      (await signingKeys(namespace)).length >= 2 ? true : undefined,
    );

    const refused = await helmRelease(helm, "upgrade", "tds", namespace, [
      ...releaseValues(otherKey),
      ...waitArgs,
    ]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(
      "azure.keyVault.keyName: switching the key-wrapping key on an existing deployment is not supported",
    );
    const otherHsm = await helmRelease(helm, "upgrade", "tds", namespace, [
      ...releaseValues(keyName, { "azure.keyVault.url": "https://otherhsm.managedhsm.azure.net/" }),
      ...waitArgs,
    ]);
    expect(otherHsm.exitCode).not.toBe(0);
    expect(otherHsm.stderr).toContain(
      "azure.keyVault.url: switching the key-wrapping HSM on an existing deployment is not supported",
    );

    // Bypass the chart's check (it looks at the running Deployment): delete it, then upgrade. The hook passes
    // (the other key works), but the server finds keys wrapped by another key and will not start.
    const client = await admin();
    await client.json("DELETE", `/apis/apps/v1/namespaces/${namespace}/deployments/tds-spirl-system`);
    await waitFor("the old Pods to go", async () =>
      (await readyServerPods(namespace, "tds")).length === 0 ? true : undefined,
    );
    const bypassed = await helmRelease(helm, "upgrade", "tds", namespace, [
      ...releaseValues(otherKey),
      "--wait",
      "--timeout",
      "60s",
    ]);
    expect(bypassed.exitCode).not.toBe(0);
    const log = await waitFor("the server's refusal in its log", async () => {
      const [pod] = await listPods(
        namespace,
        "app.kubernetes.io/instance=tds,app.kubernetes.io/component=trust-domain-server",
      );
      if (pod === undefined) return undefined;
      const runs = [
        await serverLog(namespace, pod.metadata.name),
        await serverLog(namespace, pod.metadata.name, { previous: true }),
      ];
      const text = runs.join("\n");
      return text.includes("PROVIDER_MISMATCH") ? text : undefined;
    });
    expect(log).toContain(otherKey);
    // Nothing was overwritten: every key is still wrapped by the original key.
    expect((await signingKeys(namespace)).every((key) => key.spec.envelope.kek.name === keyName)).toBe(true);
  });
});
