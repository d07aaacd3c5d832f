import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import {
  type EmulatorConfig,
  type EmulatorHandle,
  parseEmulatorConfig,
  startEmulator,
} from "../emulator/index.ts";
import { type ControlPlane, startControlPlane } from "./control-plane/index.ts";
import { startNodeAgent } from "./node-agent/index.ts";
import { createPodNetwork, type PodNetwork } from "./pod-network/index.ts";
import { projectImages } from "./project-images.ts";
import { startWorkloadIdentityWebhook } from "./workload-identity/index.ts";

/** The managed identity the chart's ServiceAccounts act as (its client id goes in the chart's values). */
export const localIdentity = {
  clientId: "5b1e7c3a-0000-4000-8000-00000000c11d",
  objectId: "5b1e7c3a-0000-4000-8000-0000000000b1",
} as const;

/** Where Entra ID is, for the Workload Identity webhook's AZURE_AUTHORITY_HOST (the public cloud's). */
const authorityHost = "https://login.microsoftonline.com/";

/** A cluster that runs Pods, its Managed HSM + Entra ID emulator, and how to reach each. */
export interface LocalCluster extends ControlPlane {
  /** The Managed HSM + Entra ID emulator; its Entra trusts this cluster's service-account issuer. */
  readonly emulator: EmulatorHandle;
  readonly network: PodNetwork;
  readonly nodeName: string;
  /** Folder of every log: control plane, container logs (`containers/`). */
  readonly logDir: string;
  /**
   * Lets `system:serviceaccount:<namespace>:<name>` act as {@link localIdentity} (what
   * `az identity federated-credential create` does for an AKS cluster's issuer).
   */
  federateServiceAccount(namespace: string, name: string): Promise<void>;
  /** Creates `keyName` on the local HSM and grants the identity Managed HSM Crypto User on it. */
  createGrantedKey(keyName: string): Promise<void>;
}

/** Options of {@link startLocalCluster}. */
export interface StartLocalClusterOptions {
  readonly readyTimeoutMs?: number;
  /** Folder with `preflight.mjs` and `server.mjs` (`npm run build:bundles`). Default `dist/`. */
  readonly bundleDir?: string;
  /** Emulator config beyond the defaults (issuer, identity and its role are always added). */
  readonly emulatorConfig?: Record<string, unknown>;
}

/**
 * Starts everything `helm install` needs to behave as on AKS, on this machine: a pod network, the control
 * plane (with controllers and scheduler), the emulator (trusting the cluster's issuer), the Azure Workload
 * Identity webhook, and one node whose Pods run this checkout's bundles as processes.
 * Pods reach the emulator the way AKS's HTTP proxy feature makes them reach the internet: HTTPS_PROXY and a
 * trusted CA that the node adds to every container.
 */
export async function startLocalCluster(options: StartLocalClusterOptions = {}): Promise<LocalCluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  // One stop for every caller: a second call (a signal handler beside a finally) waits for the first.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    })();
    return stopping;
  };
  try {
    const network = await createPodNetwork();
    cleanups.push(() => network.close());
    const controlPlane = await startControlPlane({
      servingIps: [network.gatewayIp],
      ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }),
    });
    cleanups.push(() => controlPlane.stop());
    const logDir = join(controlPlane.dir, "logs");

    const emulator = await startEmulator({ config: emulatorConfigFor(controlPlane, options.emulatorConfig) });
    cleanups.push(() => emulator.close());

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.kubeconfig);

    const webhook = await startWorkloadIdentityWebhook({
      kubeConfig,
      tls: { certFile: controlPlane.pki.webhookServingCert, keyFile: controlPlane.pki.webhookServingKey },
      caFile: controlPlane.caFile,
      tenantId: emulator.env.AZURE_TENANT_ID ?? "",
      authorityHost,
    });
    // close() also removes its registration: left behind, it would refuse every labelled Pod.
    cleanups.push(() => webhook.close());

    const apiPort = Number(new URL(controlPlane.server).port);
    const apiForPods = {
      host: network.gatewayIp,
      port: await network.forward({ host: "127.0.0.1", port: apiPort }),
    };
    const proxyPort = Number(new URL(emulator.proxyUrl).port);
    const proxyForPods = await network.forward({ host: "127.0.0.1", port: proxyPort });
    const egressCa = join(controlPlane.dir, "egress-ca.crt");
    await writeFile(egressCa, emulator.caCertificate);
    const egressCaInPod = "/var/run/secrets/local-cluster/egress-ca.crt";
    await mkdir(join(logDir, "containers"), { recursive: true });

    const node = await startNodeAgent({
      kubeConfig,
      nodeName: "local-node",
      network,
      apiServerForPods: apiForPods,
      images: projectImages(options.bundleDir),
      podDefaults: {
        env: {
          HTTPS_PROXY: `http://${network.gatewayIp}:${proxyForPods}`,
          NO_PROXY: `${network.gatewayIp},${network.cidr},127.0.0.1,localhost`,
          NODE_EXTRA_CA_CERTS: egressCaInPod,
        },
        files: [{ hostPath: egressCa, containerPath: egressCaInPod }],
      },
      kubeletServing: {
        certFile: controlPlane.pki.kubeletServingCert,
        keyFile: controlPlane.pki.kubeletServingKey,
        clientCaFile: controlPlane.pki.caCert,
      },
      logDir: join(logDir, "containers"),
    });
    cleanups.push(() => node.stop());

    return {
      ...controlPlane,
      emulator,
      network,
      nodeName: node.nodeName,
      logDir,
      async federateServiceAccount(namespace, name) {
        const answer = await emulator.admin(
          "POST",
          `/clients/${localIdentity.clientId}/federated-credentials`,
          {
            issuer: controlPlane.server,
            subject: `system:serviceaccount:${namespace}:${name}`,
          },
        );
        if (answer.status !== 201)
          throw new Error(`emulator refused the federated credential: ${JSON.stringify(answer.json)}`);
      },
      async createGrantedKey(keyName) {
        await adminOrThrow(emulator, "POST", `/hsms/localhsm/keys/${keyName}`);
        await adminOrThrow(emulator, "POST", "/role-assignments", {
          principalId: localIdentity.objectId,
          role: "Managed HSM Crypto User",
          scope: `/keys/${keyName}`,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function emulatorConfigFor(controlPlane: ControlPlane, extra: Record<string, unknown> = {}): EmulatorConfig {
  return parseEmulatorConfig(
    JSON.stringify({
      ...extra,
      issuers: [{ issuer: controlPlane.server, caFile: controlPlane.caFile }],
      clients: [{ ...localIdentity, federatedCredentials: [] }],
      envClientId: localIdentity.clientId,
      // None: as on Azure, each key's role is granted on its own (`grantKey`), so a missing grant can be shown.
      roleAssignments: [],
    }),
    "local cluster emulator config",
  );
}

async function adminOrThrow(emulator: EmulatorHandle, method: string, path: string, body?: unknown) {
  const answer = await emulator.admin(method, path, body);
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`emulator ${method} ${path}: HTTP ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json;
}
