import { once } from "node:events";
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { openTunnel, useEmulator } from "../../helpers/emulator.ts";

const emulator = useEmulator();

async function connectStatus(target: string): Promise<number | undefined> {
  const proxy = new URL(emulator.handle.proxyUrl);
  const outgoing = request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: target });
  outgoing.end();
  const [response, socket] = (await once(outgoing, "connect")) as [
    import("node:http").IncomingMessage,
    import("node:net").Socket,
  ];
  socket.destroy();
  return response.statusCode;
}

describe("CONNECT proxy", () => {
  it("tunnels to the emulated HSM and Entra hosts with a certificate the test CA signed", async () => {
    for (const host of ["localhsm.managedhsm.azure.net", "login.microsoftonline.com"]) {
      const tls = await openTunnel(emulator.handle, host);
      expect(tls.authorized).toBe(true);
      tls.destroy();
    }
  });

  it("refuses any other host or port without dialling out", async () => {
    expect(await connectStatus("example.com:443")).toBe(403);
    expect(await connectStatus("otherhsm.managedhsm.azure.net:443")).toBe(403);
    expect(await connectStatus("login.microsoftonline.com:80")).toBe(403);
  });

  it("refuses plain-HTTP proxying (such as the IMDS probe)", async () => {
    const proxy = new URL(emulator.handle.proxyUrl);
    const outgoing = request({
      host: proxy.hostname,
      port: proxy.port,
      path: "http://169.254.169.254/metadata/identity/oauth2/token",
    });
    outgoing.end();
    const [response] = (await once(outgoing, "response")) as [import("node:http").IncomingMessage];
    response.resume();
    expect(response.statusCode).toBe(403);
  });
});
