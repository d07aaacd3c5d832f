import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeClient } from "../control-plane/index.ts";
import { svidClientImage } from "../project-images.ts";

/** What the SVID client printed: the SVID's subject and key id, and that it verified against the bundle. */
export interface SvidClientResult {
  readonly spiffeId: string;
  readonly kid: string;
  readonly audience: string;
  readonly verified: boolean;
}

/**
 * Runs the SVID client (workloads/fetch-jwt-svid.ts) as a Pod of ServiceAccount `serviceAccount` (created
 * when missing): with a projected token for `tokenAudience` it asks the server at `serverUrl` for a JWT-SVID
 * and verifies it against the bundle. Reads the verdict from the Pod's log through the API server, as
 * `kubectl logs` does. Throws with the log when the Pod fails, or after `timeoutMs`.
 */
export async function runSvidClientPod(
  client: KubeClient,
  options: {
    readonly namespace: string;
    readonly serverUrl: string;
    readonly serviceAccount?: string;
    readonly tokenAudience?: string;
    readonly svidAudience?: string;
    readonly timeoutMs?: number;
  },
): Promise<SvidClientResult> {
  const { namespace, serverUrl } = options;
  const serviceAccount = options.serviceAccount ?? "workload";
  const name = `svid-client-${randomBytes(3).toString("hex")}`;
  const base = `/api/v1/namespaces/${namespace}`;
  if ((await client.request("GET", `${base}/serviceaccounts/${serviceAccount}`)).status === 404)
    await client.json("POST", `${base}/serviceaccounts`, { metadata: { name: serviceAccount } });
  await client.json("POST", `${base}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { "app.kubernetes.io/name": "svid-client" } },
    spec: {
      serviceAccountName: serviceAccount,
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      containers: [
        {
          name: "client",
          image: `${svidClientImage}:dev`,
          env: [
            { name: "SVID_SERVER_URL", value: serverUrl },
            { name: "SVID_TOKEN_FILE", value: "/var/run/secrets/tokens/svid-token" },
            { name: "SVID_AUDIENCE", value: options.svidAudience ?? "spiffe://example.org/relying-party" },
          ],
          volumeMounts: [{ name: "svid-token", mountPath: "/var/run/secrets/tokens", readOnly: true }],
        },
      ],
      volumes: [
        {
          name: "svid-token",
          projected: {
            sources: [
              {
                serviceAccountToken: {
                  path: "svid-token",
                  audience: options.tokenAudience ?? "spirl-trust-domain-server",
                  expirationSeconds: 600,
                },
              },
            ],
          },
        },
      ],
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let phase = "";
  while (Date.now() < deadline) {
    const pod = await client.json<{ status: { phase?: string } }>("GET", `${base}/pods/${name}`);
    phase = pod.status.phase ?? "";
    if (phase === "Succeeded" || phase === "Failed") break;
    await sleep(300);
  }
  const log = await client.request("GET", `${base}/pods/${name}/log`);
  const text = typeof log.body === "string" ? log.body : JSON.stringify(log.body);
  if (phase !== "Succeeded") throw new Error(`SVID client Pod ${name} ended ${phase || "nowhere"}: ${text}`);
  return JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as SvidClientResult;
}
