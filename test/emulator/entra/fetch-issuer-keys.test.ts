// A configured (non-dev) issuer, reached over HTTPS with the CA from its caFile, as a cluster's
// service-account issuer would be. A second emulator's dev issuer plays the cluster.
import { describe, expect, it } from "vitest";
import { type EmulatorHandle, parseEmulatorConfig, startEmulator } from "../../../src/emulator/index.ts";
import { rawRequest, useEmulator } from "../../helpers/emulator.ts";

const cluster = useEmulator();
const clientId = "66666666-6666-4666-8666-666666666666";
const subject = "system:serviceaccount:spirl-system:tds";

async function withHsm(caFile: string | undefined, run: (hsm: EmulatorHandle) => Promise<void>) {
  const issuer = cluster.handle.issuerUrl;
  const config = parseEmulatorConfig(
    `issuers:
  - issuer: ${issuer}
${caFile === undefined ? "" : `    caFile: ${caFile}\n`}clients:
  - clientId: ${clientId}
    objectId: 77777777-7777-4777-8777-777777777777
    federatedCredentials:
      - issuer: ${issuer}
        subject: ${subject}
roleAssignments: []
`,
    "inline.yaml",
  );
  const hsm = await startEmulator({ config });
  try {
    await run(hsm);
  } finally {
    await hsm.close();
  }
}

function exchange(hsm: EmulatorHandle, assertion: string) {
  return rawRequest(hsm, {
    host: "login.microsoftonline.com",
    method: "POST",
    path: `/${hsm.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: clientId,
      scope: "https://managedhsm.azure.net/.default",
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }).toString(),
  });
}

describe("a configured issuer", () => {
  it("validates its assertions through OIDC discovery and JWKS over HTTPS trusting its caFile", async () => {
    const caFile = await cluster.scratchFile("cluster-ca.pem", cluster.handle.caCertificate);
    await withHsm(caFile, async (hsm) => {
      expect(hsm.env.AZURE_FEDERATED_TOKEN_FILE).toBeUndefined();
      const response = await exchange(hsm, cluster.handle.mintAssertion({ subject }));
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ token_type: "Bearer" });
    });
    expect(cluster.handle.state.log.counts().issuer?.total).toBe(2);
  });

  it("fails with AADSTS50166 when the issuer's certificate is not trusted", async () => {
    await withHsm(undefined, async (hsm) => {
      const response = await exchange(hsm, cluster.handle.mintAssertion({ subject }));
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ error: "invalid_client", error_codes: [50166] });
    });
  });
});
