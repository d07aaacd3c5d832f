import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { beforeAll, inject } from "vitest";
import { parse } from "yaml";
import type { ManagedHsmKeyClient } from "../../src/hsm/index.ts";
import { SigningKeyStore, type SigningKeyStoreOptions } from "../../src/keystore/index.ts";
import { type TestEmulator, useEmulator } from "../helpers/emulator.ts";
import { emulatorVaultUrl, hsmClientInProcess, keyAdminInProcess } from "../helpers/hsm-in-process.ts";

const crdDir = new URL("../../charts/spirl-system/crds/", import.meta.url);

/** A client-node config for the cluster project's API server. */
export function clusterKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject("cluster").kubeconfig);
  return kubeConfig;
}

/** Applies the chart's CRDs (idempotent: test files run in parallel) and waits until they are served. */
export async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const file of await readdir(crdDir)) {
    // YAML 1.1, as Helm and kubectl read it (a bare `y` is a boolean there).
    const body = parse(await readFile(new URL(file, crdDir), "utf8"), { version: "1.1" });
    // As Helm 4 installs crds/ (server-side apply, field manager "helm"), so a chart install in another
    // test file finds fields it already owns instead of a conflict with this client's manager.
    await api.patchCustomResourceDefinition(
      { name: body.metadata.name, body, fieldManager: "helm", force: true },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name: body.metadata.name });
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${body.metadata.name} not established after 60 s`);
      await sleep(200);
    }
  }
}

/** Creates a fresh namespace and returns its name. */
export async function createNamespace(kubeConfig: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** One emulator, one KEK and the CRD on the cluster per test file; stores built on demand. */
export function useKeystoreFixture(kekName: string) {
  const emulator: TestEmulator = useEmulator();
  const state = {} as { kubeConfig: KubeConfig; hsm: ManagedHsmKeyClient };
  beforeAll(async () => {
    state.kubeConfig = clusterKubeConfig();
    await installCrds(state.kubeConfig);
    await keyAdminInProcess(emulator).createKey(kekName, "oct-HSM");
    state.hsm = hsmClientInProcess(emulator, { retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  });
  const fixture = {
    emulator,
    get kubeConfig() {
      return state.kubeConfig;
    },
    get hsm() {
      return state.hsm;
    },
    kekName,
    get kek() {
      return { url: emulatorVaultUrl(emulator), name: kekName };
    },
    /** A store on `namespace`; `fresh` gives it its own HSM client and KubeConfig, as after a restart. */
    store(namespace: string, options: Partial<SigningKeyStoreOptions> & { fresh?: boolean } = {}) {
      const { fresh, ...rest } = options;
      return new SigningKeyStore({
        kubeConfig: fresh === true ? clusterKubeConfig() : state.kubeConfig,
        namespace,
        trustDomain: "example.org",
        kek: fixture.kek,
        ...rest,
        hsm: rest.hsm ?? (fresh === true ? hsmClientInProcess(emulator) : state.hsm),
      });
    },
    rotate: () => keyAdminInProcess(emulator).rotateKey(kekName),
  };
  return fixture;
}

/** A year of validity from now. */
export function validity() {
  const notBefore = new Date();
  return { notBefore, notAfter: new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000) };
}
