// A workload Pod of the demo and tests: with its projected service-account token it asks the Trust Domain
// Server for a JWT-SVID, fetches the SPIFFE bundle and verifies the SVID against it (jose), then prints one
// JSON line: { spiffeId, kid, audience, verified }. Exits 1 with one line on stderr when any step fails.
// Env: SVID_SERVER_URL (https://<pod-ip>:8443), SVID_TOKEN_FILE, SVID_AUDIENCE. The server's certificate is
// self-signed in dev mode, so TLS is not verified here: the check that matters is the SVID's signature.
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from "jose";

const server = required("SVID_SERVER_URL");
const token = (await readFile(required("SVID_TOKEN_FILE"), "utf8")).trim();
const audience = required("SVID_AUDIENCE");

try {
  const issued = await call("/svid/jwt", { method: "POST", body: JSON.stringify({ audience: [audience] }) });
  const bundle = await call("/bundle", { method: "GET" });
  const svid = (issued as { token: string }).token;
  // A SPIFFE bundle marks its keys `use: "jwt-svid"`, which jose's JWK Set lookup skips (it wants "sig"),
  // so pick the key by the SVID's kid as the SPIFFE JWT-SVID spec says, then verify with it.
  const { kid } = decodeProtectedHeader(svid);
  const jwk = (bundle as { keys: JWK[] }).keys.find((key) => key.use === "jwt-svid" && key.kid === kid);
  if (jwk === undefined) throw new Error(`the bundle has no jwt-svid key with kid ${String(kid)}`);
  const { payload, protectedHeader } = await jwtVerify(svid, await importJWK(jwk, jwk.alg ?? "ES256"), {
    audience,
  });
  console.log(JSON.stringify({ spiffeId: payload.sub, kid: protectedHeader.kid, audience, verified: true }));
} catch (error) {
  console.error(`fetch-jwt-svid: ${(error as Error).message}`);
  process.exitCode = 1;
}

function call(path: string, init: { method: string; body?: string }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        method: init.method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        rejectUnauthorized: false,
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status < 200 || status > 299)
            reject(new Error(`${init.method} ${path}: HTTP ${status}: ${text.slice(0, 200)}`));
          else resolve(JSON.parse(text) as unknown);
        });
        response.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${init.method} ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`fetch-jwt-svid: ${name} is not set`);
    process.exit(2);
  }
  return value;
}
