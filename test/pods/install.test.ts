// `helm install` on a cluster that runs Pods, with Helm 4 and Helm 3: the hook Job runs the preflight, the
// Deployment's Pod runs the init container then the server, and a workload's projected token gets a JWT-SVID.
import { describe, expect, it } from "vitest";
import { helms } from "../helpers/helm.ts";
import {
  admin,
  createKey,
  federateRelease,
  fetchSvidFromPod,
  helmRelease,
  helmUninstall,
  hsmUrl,
  kubectl,
  listPods,
  readyServerPods,
  releaseValues,
  serverLog,
  signingKeys,
  trustDomain,
  uniqueName,
  waitFor,
} from "../helpers/pod-cluster.ts";

describe.each(helms)("helm install with $name", ({ name: helm, major }) => {
  it("runs the hook, the init container and the server; a Pod's token gets a verifiable JWT-SVID; uninstall keeps the keys", async () => {
    const namespace = uniqueName(`fresh-h${major}`);
    const release = "tds";
    const keyName = uniqueName("kek");
    await createKey(keyName);
    await federateRelease(namespace, release);

    const install = await helmRelease(helm, "install", release, namespace, [
      ...releaseValues(keyName),
      "--wait",
      "--timeout",
      "4m",
    ]);
    expect(install.exitCode, `${install.stdout}\n${install.stderr}`).toBe(0);
    expect(install.stdout).toContain("STATUS: deployed");

    // The hook ran and passed: the Job controller recorded it Completed, then Helm deleted it (hook-succeeded).
    const jobs = await kubectl(["get", "jobs", "-n", namespace, "-o", "name"]);
    expect(jobs.stdout.trim()).toBe("");
    const events = await (await admin()).json<{
      items: { reason: string; involvedObject: { kind: string; name: string } }[];
    }>("GET", `/api/v1/namespaces/${namespace}/events`);
    expect(events.items).toContainEqual(
      expect.objectContaining({
        reason: "Completed",
        involvedObject: expect.objectContaining({ kind: "Job", name: `${release}-spirl-system-preflight` }),
      }),
    );

    // The server Pod ran the preflight init container to completion before the server started.
    const [pod] = await readyServerPods(namespace, release);
    expect(pod, "a ready server Pod").toBeDefined();
    if (pod === undefined) return;
    expect(pod.status.initContainerStatuses?.[0]).toMatchObject({
      name: "keywrap-preflight",
      state: { terminated: { exitCode: 0, reason: "Completed" } },
    });
    expect(pod.status.containerStatuses?.[0]).toMatchObject({ name: "trust-domain-server", ready: true });
    const initFinished = Date.parse(
      pod.status.initContainerStatuses?.[0]?.state.terminated?.finishedAt ?? "",
    );
    const serverStarted = Date.parse(pod.status.containerStatuses?.[0]?.state.running?.startedAt ?? "");
    expect(initFinished).toBeLessThanOrEqual(serverStarted);

    expect(await serverLog(namespace, pod.metadata.name)).toContain(
      `Key wrapping via Azure Key Vault keyVaultURL=${hsmUrl} keyName=${keyName}`,
    );
    const initLog = await kubectl(["logs", "-n", namespace, pod.metadata.name, "-c", "keywrap-preflight"]);
    expect(initLog.stdout).toContain(`keyName=${keyName}`);

    // One SigningKey per use, wrapped by this HSM key.
    const keys = await waitFor("a SigningKey per use", async () => {
      const found = await signingKeys(namespace);
      return found.length >= 2 ? found : undefined;
    });
    expect(new Set(keys.map((key) => key.spec.use))).toEqual(new Set(["jwt-svid", "x509-svid"]));

    // A workload Pod's projected token (audience = the server's) gets an SVID that verifies against the bundle.
    const svid = await fetchSvidFromPod(namespace, pod.status.podIP ?? "");
    expect(svid).toMatchObject({
      verified: true,
      spiffeId: `spiffe://${trustDomain}/ns/${namespace}/sa/workload`,
    });

    // Uninstall removes the release's objects but not the CRD nor the SigningKeys (Helm keeps crds/).
    const uninstall = await helmUninstall(helm, release, namespace);
    expect(uninstall.exitCode, uninstall.stderr).toBe(0);
    await waitFor("the server Pods to go", async () =>
      (await listPods(namespace, `app.kubernetes.io/instance=${release}`)).length === 0 ? true : undefined,
    );
    expect((await signingKeys(namespace)).map((key) => key.metadata.uid).sort()).toEqual(
      keys.map((key) => key.metadata.uid).sort(),
    );
  });
});
