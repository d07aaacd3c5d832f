// The HSM agent's spare connection without a proxy (the emulator tests all go through its proxy).
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgent } from "../../src/hsm/keep-alive-agent.ts";
import { createTestPki } from "../../src/x509/index.ts";

let server: Server;
let port: number;
/** TLS connections the server accepted. */
let connections = 0;
/** While set, the server holds each request until another arrives: two in flight need two connections. */
let pairUp = false;
let held: (() => void) | undefined;

beforeAll(async () => {
  const pki = await createTestPki({ serverNames: ["localhost"] });
  setDefaultCACertificates([...getCACertificates("default"), pki.caCertificate]);
  server = createServer({ cert: pki.serverCertificate, key: pki.serverKey }, (_req, res) => {
    const answer = () => res.end("ok");
    if (!pairUp) return answer();
    if (held === undefined) {
      held = answer;
      return;
    }
    held();
    answer();
  });
  server.on("secureConnection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function get(agent: ReturnType<typeof keepAliveAgent>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "localhost", port, path: "/", agent, signal: AbortSignal.timeout(10_000) });
    req.on("response", (res) => {
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
  it("opens the spare once the first connection is up, and hands it to the next request needing one", async () => {
    const agent = keepAliveAgent("localhost", {});
    agent.preconnect("localhost", port);
    // The spare is opened once the first request's own connection is up.
    expect(await get(agent)).toBe("ok");
    for (const deadline = Date.now() + 5_000; connections < 2 && Date.now() < deadline; )
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connections).toBe(2);
    pairUp = true;
    expect(await Promise.all([get(agent), get(agent)])).toEqual(["ok", "ok"]);
    // Still two connections: the kept-alive first one and the spare; without the hand-over a third would
    // have been opened for the second of the two requests in flight together.
    expect(connections).toBe(2);
    agent.destroy();
  });
});
