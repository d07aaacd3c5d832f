import { generateKeyPair, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestPki } from "../x509/index.ts";
import { type AdminResponse, callAdmin } from "./admin/admin-client.ts";
import { createAdminServer, keySpec } from "./admin/admin-server.ts";
import { Clock } from "./clock.ts";
import { devIssuerAlias, type EmulatorConfig, emulatorConfigSchema } from "./config/emulator-config.ts";
import { type AssertionRequest, DevIssuer } from "./entra/dev-issuer.ts";
import type { ClientRegistration, EntraDirectory } from "./entra/directory.ts";
import type { TrustedIssuer } from "./entra/fetch-issuer-keys.ts";
import { writeEnvFile } from "./env-file.ts";
import { EmulatorError } from "./errors.ts";
import { FaultPlan } from "./faults/fault-plan.ts";
import { KeyStore } from "./hsm/key-store.ts";
import { isServiceError } from "./hsm/service-error.ts";
import { createConnectProxy } from "./proxy/connect-proxy.ts";
import { RoleAssignments } from "./rbac/role-assignments.ts";
import { RequestLog } from "./request-log.ts";
import { createRequestHandler } from "./serve-request.ts";
import { type EmulatorState, hsmUrl } from "./state.ts";

/** Options for {@link startEmulator}. */
export interface EmulatorOptions {
  /** Parsed config (see `loadEmulatorConfig`); default: dev mode (one HSM `localhsm`, one client, Crypto User at `/`). */
  readonly config?: EmulatorConfig;
  /** Loopback port of the CONNECT proxy. Default 0: any free port. */
  readonly port?: number;
  /** Loopback port of the admin API. Default 0: any free port. */
  readonly adminPort?: number;
  /** Also write the client environment to this file. Default: none. */
  readonly envFile?: string;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** `http://127.0.0.1:<port>`: the value of `HTTPS_PROXY`. */
  readonly proxyUrl: string;
  /** `http://127.0.0.1:<port>` of the admin API. */
  readonly adminUrl: string;
  /** The admin API's per-run secret: send it as `Authorization: Bearer <token>` (or use {@link admin}). */
  readonly adminToken: string;
  /** The dev issuer, `https://127.0.0.1:<port>` (also the address of the emulator's TLS listener). */
  readonly issuerUrl: string;
  /** PEM of the test CA that signs the emulator's TLS certificate. */
  readonly caCertificate: string;
  /** What a client needs: HTTPS_PROXY, NODE_EXTRA_CA_CERTS, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_KEYVAULT_URL. */
  readonly env: Readonly<Record<string, string>>;
  /** Live state: keys, role assignments, faults, clock, request log. */
  readonly state: EmulatorState;
  /** Signs a service-account token with the dev issuer (or a given key, to forge one). */
  mintAssertion(request: AssertionRequest): string;
  /** Calls the admin API with the bearer token and a JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<AdminResponse>;
  /** Writes {@link env} and the admin API's URL and token as `KEY=value` lines (owner-only, atomically). */
  writeEnvFile(path: string): Promise<void>;
  /** Stops every listener, drops open tunnels and removes the temporary files. */
  close(): Promise<void>;
}

/** Starts the proxy, the TLS endpoint for every emulated host, and the admin API, all on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const config = options.config ?? emulatorConfigSchema.parse({});
  const hsmNames = config.hsms.map((hsm) => hsm.name);
  const pki = await createTestPki({
    serverNames: ["*.managedhsm.azure.net", "login.microsoftonline.com", "127.0.0.1", "localhost"],
  });
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  const clock = new Clock();
  // Made before the proxy, which applies the proxy faults and logs them.
  const faults = new FaultPlan();
  const log = new RequestLog();
  // The two RSA keys are generated in parallel on the thread pool (the bulk of start-up time).
  const [signingKey, issuerKeyPair, extraIssuers] = await Promise.all([
    promisify(generateKeyPair)("rsa", { modulusLength: 2048 }),
    promisify(generateKeyPair)("rsa", { modulusLength: 2048 }),
    Promise.all(config.issuers.map(async (issuer) => readTrustedIssuer(issuer))),
  ]);
  const tls = createHttpsServer({ cert: pki.serverCertificate, key: pki.serverKey });
  tls.on("connection", track);
  const proxy = createConnectProxy({
    allowHost: (host) =>
      host === "login.microsoftonline.com" ||
      hsmNames.some((name) => host === `${name}.managedhsm.azure.net`),
    onTunnel: (socket) => tls.emit("connection", socket),
    faults: { plan: faults, log, clock },
  });
  proxy.on("connection", track);
  const servers: Server[] = [tls, proxy];
  let tempDir: string | undefined;
  try {
    const tlsPort = await listen(tls, 0, "TLS endpoint");
    const issuerHost = `127.0.0.1:${tlsPort}`;
    const devIssuer = new DevIssuer(`https://${issuerHost}`, issuerKeyPair.privateKey);

    const directory = createDirectory(config, {
      devIssuer,
      devIssuerCa: pki.caCertificate,
      extraIssuers,
      signingKey: signingKey.privateKey,
      clock,
    });
    const state: EmulatorState = {
      clock,
      directory,
      hsms: new Map(hsmNames.map((name) => [name, new KeyStore()])),
      roles: new RoleAssignments(),
      faults,
      log,
      devIssuer,
    };
    seed(state, config);
    tls.on("request", createRequestHandler(state, issuerHost));

    // Random per run: the admin API mints tokens, so only who can read the env file (or holds the handle) may call it.
    const adminToken = randomBytes(32).toString("base64url");
    const admin = createAdminServer(state, devIssuer, adminToken);
    admin.on("connection", track);
    servers.push(admin);
    const proxyPort = await listen(proxy, options.port ?? 0, "proxy");
    const adminPort = await listen(admin, options.adminPort ?? 0, "admin API");
    tempDir = await mkdtemp(join(tmpdir(), "spirl-keywrap-emulator-"));
    const env = await clientEnvironment(config, tempDir, {
      proxyPort,
      caCertificate: pki.caCertificate,
      devToken: (subject) => devIssuer.mint({ subject }, clock.nowSeconds()),
    });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const envFileContent = {
      ...env,
      SPIRL_KEYWRAP_EMULATOR_ADMIN_URL: adminUrl,
      SPIRL_KEYWRAP_EMULATOR_ADMIN_TOKEN: adminToken,
    };
    if (options.envFile !== undefined) await writeEnvFile(options.envFile, envFileContent);

    const dir = tempDir;
    let closing: Promise<void> | undefined;
    return {
      proxyUrl: env.HTTPS_PROXY as string,
      adminUrl,
      adminToken,
      issuerUrl: devIssuer.issuer,
      caCertificate: pki.caCertificate,
      env,
      state,
      mintAssertion: (request) => devIssuer.mint(request, clock.nowSeconds()),
      admin: (method, path, body) => callAdmin({ url: adminUrl, token: adminToken }, method, path, body),
      writeEnvFile: (path) => writeEnvFile(path, envFileContent),
      close: () => {
        closing ??= shutdown(servers, sockets, dir);
        return closing;
      },
    };
  } catch (error) {
    await shutdown(servers, sockets, tempDir);
    throw error;
  }
}

/** The Entra tenant: config clients with `dev` resolved to the dev issuer's URL, and the issuers they trust. */
function createDirectory(
  config: EmulatorConfig,
  parts: {
    devIssuer: DevIssuer;
    devIssuerCa: string;
    extraIssuers: readonly TrustedIssuer[];
    signingKey: KeyObject;
    clock: Clock;
  },
): EntraDirectory {
  const { devIssuer } = parts;
  const issuers = new Map<string, TrustedIssuer>([
    [devIssuer.issuer, { issuer: devIssuer.issuer, ca: [parts.devIssuerCa] }],
  ]);
  for (const issuer of parts.extraIssuers) issuers.set(issuer.issuer, issuer);
  const clients = new Map<string, ClientRegistration>(
    config.clients.map((client) => [
      client.clientId,
      {
        clientId: client.clientId,
        objectId: client.objectId,
        federatedCredentials: client.federatedCredentials.map((credential) => ({
          issuer: credential.issuer === devIssuerAlias ? devIssuer.issuer : credential.issuer,
          subject: credential.subject,
          ...(credential.audiences !== undefined && { audiences: credential.audiences }),
        })),
      },
    ]),
  );
  return {
    tenantId: config.tenantId,
    clients,
    issuers,
    signingKey: parts.signingKey,
    signingKeyId: randomUUID(),
    clock: parts.clock,
  };
}

/**
 * The variables a client needs, writing the CA and (for a client federated with the dev issuer)
 * a service-account token into `dir`, as a kubelet would project one.
 */
async function clientEnvironment(
  config: EmulatorConfig,
  dir: string,
  parts: { proxyPort: number; caCertificate: string; devToken: (subject: string) => string },
): Promise<Record<string, string>> {
  const caPath = join(dir, "ca.pem");
  await writeFile(caPath, parts.caCertificate);
  const env: Record<string, string> = {
    HTTPS_PROXY: `http://127.0.0.1:${parts.proxyPort}`,
    NODE_EXTRA_CA_CERTS: caPath,
    AZURE_TENANT_ID: config.tenantId,
  };
  const clientId = config.envClientId ?? config.clients[0]?.clientId;
  const client = config.clients.find((candidate) => candidate.clientId === clientId);
  const devCredential = client?.federatedCredentials.find(
    (credential) => credential.issuer === devIssuerAlias,
  );
  if (client !== undefined) env.AZURE_CLIENT_ID = client.clientId;
  if (devCredential !== undefined) {
    const tokenPath = join(dir, "federated-token");
    await writeFile(tokenPath, parts.devToken(devCredential.subject), { mode: 0o600 });
    env.AZURE_FEDERATED_TOKEN_FILE = tokenPath;
  }
  env.AZURE_KEYVAULT_URL = hsmUrl(config.hsms[0]?.name ?? "");
  return env;
}

function seed(state: EmulatorState, config: EmulatorConfig): void {
  const firstHsm = config.hsms[0]?.name as string;
  for (const hsm of config.hsms)
    for (const key of hsm.keys) {
      try {
        state.hsms.get(hsm.name)?.create(key.name, keySpec(key), state.clock.nowSeconds());
      } catch (error) {
        // The store states the key rules (sizes, curves); surface them as a config error.
        const message = isServiceError(error) ? error.message : String(error);
        throw new EmulatorError(`hsms.${hsm.name}.keys.${key.name}: ${message}`, {
          code: "CONFIG_INVALID",
          cause: error,
        });
      }
    }
  for (const assignment of config.roleAssignments)
    state.roles.add({ ...assignment, hsm: assignment.hsm ?? firstHsm });
  for (const fault of config.faults) state.faults.add(fault);
}

async function readTrustedIssuer(issuer: EmulatorConfig["issuers"][number]): Promise<TrustedIssuer> {
  if (issuer.caFile === undefined) return { issuer: issuer.issuer };
  try {
    return { issuer: issuer.issuer, ca: [await readFile(issuer.caFile, "utf8")] };
  } catch (error) {
    throw new EmulatorError(`issuers: cannot read caFile ${issuer.caFile}: ${(error as Error).message}`, {
      code: "CONFIG_INVALID",
      cause: error,
    });
  }
}

function listen(server: Server, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new EmulatorError(`${what}: cannot listen on 127.0.0.1:${port}: ${error.message}`, {
          code: "LISTEN_FAILED",
          cause: error,
        }),
      );
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      // Only a listen failure belongs to this promise; later errors must not vanish into it.
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function shutdown(servers: readonly Server[], sockets: Set<Socket>, tempDir: string | undefined) {
  const closed = servers.map(
    (server) =>
      new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  );
  for (const socket of sockets) socket.destroy();
  await Promise.all(closed);
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
}
