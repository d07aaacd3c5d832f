// The HSM agent's spare connection without a proxy (Node's own https agent underneath): a local TLS server
// counts the connections it accepts. The proxied agent's spare is tested through the emulator's proxy
// (test/preflight/preflight-requests.test.ts, preflight-retries.test.ts).
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keepAliveAgent, type SpareConnectionAgent } from "../../src/hsm/keep-alive-agent.ts";
import { createTestPki, type TestPki } from "../../src/x509/index.ts";

let pki: TestPki;
let server: Server;
let port: number;
/** Connections the server accepted, and how many requests were in flight at most. */
let connections = 0;
let inFlight = 0;
/** Every connection the server accepted, in order. */
const accepted: TLSSocket[] = [];
let mostInFlight = 0;

beforeAll(async () => {
  pki = await createTestPki({ serverNames: ["localhost"] });
  server = createServer({ cert: pki.serverCertificate, key: pki.serverKey }, (_req, res) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    // Long enough for a second request to arrive while this one is open.
    setTimeout(() => {
      inFlight--;
      res.end("ok");
    }, 50);
  });
  // Idle connections stay open on the server's side: only the client closes them here.
  server.keepAliveTimeout = 60_000;
  server.on("secureConnection", (socket) => {
    connections++;
    accepted.push(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function get(agent: SpareConnectionAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "localhost", port, path: "/", agent, ca: pki.caCertificate }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("keepAliveAgent without a proxy", () => {
  it("dials a spare beside its first connection and hands it to the next request that needs one", async () => {
    connections = 0;
    mostInFlight = 0;
    const agent = keepAliveAgent("localhost", {});
    agent.addSpareConnection();
    expect(await get(agent)).toBe("ok");
    // The spare was dialled with the first connection, before anyone needed it.
    expect(connections).toBe(2);
    // Two requests at once: one on the kept-alive first connection, one on the spare; nothing new dialled.
    expect(await Promise.all([get(agent), get(agent)])).toEqual(["ok", "ok"]);
    expect(mostInFlight).toBe(2);
    expect(connections).toBe(2);
    agent.destroy();
  });

  it("closes an unclaimed spare with the agent", async () => {
    const before = accepted.length;
    const agent = keepAliveAgent("localhost", {});
    agent.addSpareConnection();
    expect(await get(agent)).toBe("ok");
    const mine = accepted.slice(before);
    expect(mine).toHaveLength(2);
    agent.destroy();
    // Both: the kept-alive first connection and the spare nobody took (it would stay open 10 s).
    await vi.waitFor(() => expect(mine.map((socket) => socket.destroyed)).toEqual([true, true]), {
      timeout: 2_000,
    });
  });

  it("dials one connection at a time when no spare was asked for", async () => {
    connections = 0;
    const agent = keepAliveAgent("localhost", {});
    expect(await get(agent)).toBe("ok");
    expect(connections).toBe(1);
    agent.destroy();
  });

  // A spare nobody claims must not keep the process (an init container) alive after its work is done.
  it("lets the process exit while an unclaimed spare is open", async () => {
    const script = `
      import { setDefaultCACertificates, getCACertificates } from "node:tls";
      import { request } from "node:https";
      import { keepAliveAgent } from ${JSON.stringify(new URL("../../src/hsm/keep-alive-agent.ts", import.meta.url).href)};
      setDefaultCACertificates([...getCACertificates("default"), process.env.TEST_CA]);
      const agent = keepAliveAgent("localhost", {});
      agent.addSpareConnection();
      request({ host: "localhost", port: ${port}, agent }, (res) => { res.resume(); res.on("end", () => console.log("done")); }).end();
    `;
    // execFile's timeout kills a process that hangs on; the call then rejects and the test fails.
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, TEST_CA: pki.caCertificate },
      // Short of the spare's idle close (10 s): a spare that held the process would be killed here.
      timeout: 8_000,
    });
    expect(stdout.trim()).toBe("done");
  });
});
