// The emulator's Entra validates a real projected service-account token from a real kube-apiserver
// (OIDC discovery + JWKS over HTTPS with the cluster CA), and the unmodified SDK then encrypts with it.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { parseEmulatorConfig } from "../../src/emulator/index.ts";
import { useEmulator } from "../helpers/emulator.ts";
import { connectCluster } from "../helpers/local-cluster.ts";
import { mintServiceAccountToken } from "../helpers/service-account-token.ts";

const cluster = inject("cluster");
const namespace = `federation-${randomBytes(3).toString("hex")}`;
const objectId = "88888888-8888-4888-8888-888888888888";
const emulator = useEmulator({
  config: parseEmulatorConfig(
    JSON.stringify({
      issuers: [{ issuer: cluster.server, caFile: cluster.caFile }],
      clients: [
        {
          clientId: "99999999-9999-4999-8999-999999999999",
          objectId,
          federatedCredentials: [
            { issuer: cluster.server, subject: `system:serviceaccount:${namespace}:workload` },
          ],
        },
      ],
      roleAssignments: [
        { principalId: objectId, role: "Managed HSM Crypto User", scope: "/keys/cluster-kek" },
      ],
    }),
    "inline.json",
  ),
});

describe("emulator with a kube-apiserver as the federated issuer", () => {
  it("accepts the cluster's service-account token and serves the SDK", async () => {
    const { admin } = await connectCluster(cluster);
    const token = await mintServiceAccountToken(admin, {
      namespace,
      serviceAccount: "workload",
      audience: "api://AzureADTokenExchange",
    });
    const tokenFile = await emulator.scratchFile("sa-token", token);
    await emulator.admin("POST", "/hsms/localhsm/keys/cluster-kek");
    expect(
      await emulator.runSdk("encrypt", "cluster-kek", { AZURE_FEDERATED_TOKEN_FILE: tokenFile }),
    ).toEqual({
      kid: expect.stringMatching(/\/keys\/cluster-kek\/[0-9a-f]{32}$/),
    });
    expect(emulator.handle.state.log.counts().token).toEqual({ total: 1, byStatus: { 200: 1 } });
  });
});
