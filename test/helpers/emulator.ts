import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { execa } from "execa";
import { afterAll, beforeAll } from "vitest";
import {
  type EmulatorHandle,
  type EmulatorOptions,
  parseEnvFile,
  startEmulator,
} from "../../src/emulator/index.ts";

const fixture = new URL("../emulator/fixtures/sdk-client.ts", import.meta.url).pathname;

/** A raw HTTPS response read through the emulator's proxy. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** `text` parsed, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

/** A request as it goes on the wire: `path` is sent byte for byte (`//encrypt`, `api%2Dversion`). */
export interface RawRequest {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One emulator for a test file, with ways in: the SDK fixture, raw HTTPS, the admin API. */
export interface TestEmulator {
  readonly handle: EmulatorHandle;
  /** The env file `startEmulator` wrote. */
  readonly envFile: string;
  /** Runs test/emulator/fixtures/sdk-client.ts in a child process whose environment is the env file (plus PATH), optionally with some variables replaced. */
  runSdk(scenario: string, keyName: string, replace?: Record<string, string>): Promise<unknown>;
  /** Sends one request through the CONNECT proxy with TLS verified against the test CA. */
  raw(request: RawRequest): Promise<RawResponse>;
  /** An access token for the dev client, from the emulator's own token endpoint. */
  accessToken(): Promise<string>;
  /** Calls the admin API with its bearer token; `headers` add to or replace the defaults (to probe its checks). */
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  /** Writes a file in this emulator's scratch directory and returns its path. */
  scratchFile(name: string, content: string): Promise<string>;
}

/** Starts an emulator before the file's tests and stops it after them. */
export function useEmulator(options: Omit<EmulatorOptions, "envFile"> = {}): TestEmulator {
  let handle: EmulatorHandle | undefined;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "emulator-test-"));
    handle = await startEmulator({ ...options, envFile: join(dir, "emulator.env") });
  });
  afterAll(async () => {
    await handle?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (handle === undefined)
      throw new Error("useEmulator: the emulator is not running (use it inside tests)");
    return handle;
  };
  const testEmulator: TestEmulator = {
    get handle() {
      return started();
    },
    get envFile() {
      return join(dir, "emulator.env");
    },
    async runSdk(scenario, keyName, replace = {}) {
      const env = { ...parseEnvFile(await readFile(testEmulator.envFile, "utf8")), ...replace };
      const result = await execa(process.execPath, [fixture, scenario, keyName], {
        env: { ...env, PATH: process.env.PATH ?? "" },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
      if (result.exitCode !== 0) throw new Error(`sdk-client ${scenario} failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as unknown;
    },
    raw: (request) => rawRequest(started(), request),
    async accessToken() {
      const emulator = started();
      const assertion = await readFile(emulator.env.AZURE_FEDERATED_TOKEN_FILE ?? "", "utf8");
      const response = await rawRequest(emulator, {
        host: "login.microsoftonline.com",
        method: "POST",
        path: `/${emulator.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: emulator.env.AZURE_CLIENT_ID ?? "",
          scope: "https://managedhsm.azure.net/.default",
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
        }).toString(),
      });
      return (response.json as { access_token: string }).access_token;
    },
    async admin(method, path, body, headers = {}) {
      const emulator = started();
      const url = new URL(path, emulator.adminUrl);
      const request = httpRequest(url, {
        method,
        headers: {
          authorization: `Bearer ${emulator.adminToken}`,
          "content-type": "application/json",
          ...headers,
        },
      });
      request.end(body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body));
      const [response] = (await once(request, "response")) as [import("node:http").IncomingMessage];
      return readResponse(response);
    },
    async scratchFile(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
  };
  return testEmulator;
}

/** Opens a CONNECT tunnel to `host:443` through the emulator's proxy and completes a verified TLS handshake. */
export async function openTunnel(emulator: EmulatorHandle, host: string): Promise<TLSSocket> {
  const proxy = new URL(emulator.proxyUrl);
  const connectRequest = httpRequest({
    host: proxy.hostname,
    port: proxy.port,
    method: "CONNECT",
    path: `${host}:443`,
  });
  connectRequest.end();
  const [response, socket] = (await once(connectRequest, "connect")) as [
    import("node:http").IncomingMessage,
    import("node:net").Socket,
  ];
  if (response.statusCode !== 200) {
    socket.destroy();
    throw new Error(`CONNECT ${host}:443 answered ${response.statusCode}`);
  }
  const tls = connect({ socket, servername: host, ca: emulator.caCertificate });
  await once(tls, "secureConnect");
  return tls;
}

/** Sends one request to an emulated host through `emulator`'s proxy (see {@link TestEmulator.raw}). */
export async function rawRequest(emulator: EmulatorHandle, request: RawRequest): Promise<RawResponse> {
  const tls = await openTunnel(emulator, request.host);
  // Plain HTTP over the already-verified TLS socket; with createConnection and no agent, Node uses that socket.
  const outgoing = httpRequest({
    host: request.host,
    method: request.method,
    path: request.path,
    headers: {
      host: request.host,
      ...request.headers,
      ...(request.body !== undefined && { "content-length": Buffer.byteLength(request.body) }),
    },
    createConnection: () => tls,
  });
  outgoing.end(request.body);
  const [response] = (await once(outgoing, "response")) as [import("node:http").IncomingMessage];
  return readResponse(response);
}

async function readResponse(response: import("node:http").IncomingMessage): Promise<RawResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode ?? 0, headers: response.headers, text, json };
}
