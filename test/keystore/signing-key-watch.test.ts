import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, expect, it, vi } from "vitest";
import type { HsmKey } from "../../src/hsm/index.ts";
import { isKeyStoreError, type SigningKeyEvent, SigningKeyStore } from "../../src/keystore/index.ts";

// The store's watch against a local HTTP server standing in for the API server's watch endpoint: only
// the failure paths, which a real API server does not produce on demand.

const servers: Server[] = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const abort of aborts.splice(0)) abort.abort();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function apiServer(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    answer(request, response);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      // Plain HTTP: client-node allows it only with skipTLSVerify.
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const unused = () => Promise.reject(new Error("no HSM call expected"));
  const store = new SigningKeyStore({
    kubeConfig,
    namespace: "ns",
    trustDomain: "example.org",
    kek: { url: "https://hsm.managedhsm.azure.net/", name: "kek" },
    hsm: { encrypt: unused, decrypt: unused, getKey: unused as () => Promise<HsmKey> },
  });
  return { requests, store };
}

function watchFrom(
  store: SigningKeyStore,
  onError: (error: unknown) => void,
  onEvent = (_: SigningKeyEvent) => {},
) {
  const abort = new AbortController();
  aborts.push(abort);
  store.watch({ resourceVersion: "1", signal: abort.signal, onEvent, onError });
}

it("a 403 on the watch is reported once, with a stable code and status, and not repeated", async () => {
  const { requests, store } = await apiServer((_, response) => response.writeHead(403).end());
  const errors: unknown[] = [];
  watchFrom(store, (error) => errors.push(error));
  await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
  const [error] = errors;
  expect(isKeyStoreError(error) && { code: error.code, status: error.status }).toEqual({
    code: "KEYSTORE_API_FAILED",
    status: 403,
  });
  // The watch used to retry every second, forever, without a word: give it that second and more.
  await sleep(1500);
  expect(requests).toHaveLength(1);
  expect(errors).toHaveLength(1);
});

it("failing watch requests are repeated with a growing backoff, not at a flat rate", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const { requests, store } = await apiServer((_, response) => response.writeHead(503).end());
  const errors: unknown[] = [];
  // The backoff draws its jitter once per retry it schedules; 1 makes each wait its ceiling: 1, 2, 4, 8 s.
  let scheduled = 0;
  const abort = new AbortController();
  aborts.push(abort);
  store.watch({
    resourceVersion: "1",
    signal: abort.signal,
    onEvent: () => {},
    onError: (error) => errors.push(error),
    retry: {
      random: () => {
        scheduled++;
        return 1;
      },
    },
  });
  // Fifteen fake seconds, one at a time. When a tick fires the pending retry (no timer left right after
  // it), wait until that request has failed and scheduled the next one. A flat one-second retry would
  // make a request per second; the backoff makes them at 0, 1, 3, 7 and 15 s.
  await vi.waitFor(() => expect(scheduled).toBe(1), { timeout: 10_000 });
  for (let second = 1; second <= 15; second++) {
    vi.advanceTimersByTime(1000);
    if (vi.getTimerCount() > 0) continue;
    const before = scheduled;
    await vi.waitFor(() => expect(scheduled).toBe(before + 1), { timeout: 10_000 });
  }
  await vi.waitFor(() => expect(scheduled).toBe(5), { timeout: 10_000 });
  expect(requests).toHaveLength(5);
  expect(errors).toEqual([]);
});

it("a quiet watch is not torn down by the client after 30 s (the server's timeout + 30 s is)", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const held: ServerResponse[] = [];
  const { requests, store } = await apiServer((_, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    // One event so the client has read the headers and armed its inactivity timer, then silence.
    response.write(
      `${JSON.stringify({ type: "ADDED", object: { metadata: { name: "jwt-svid-1", namespace: "ns", resourceVersion: "2" }, spec: {} } })}\n`,
    );
    held.push(response);
  });
  const events: SigningKeyEvent[] = [];
  watchFrom(
    store,
    () => {},
    (event) => events.push(event),
  );
  await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 10_000 });
  expect(new URL(requests[0]?.url ?? "", "http://x").searchParams.get("timeoutSeconds")).toBe("300");
  vi.advanceTimersByTime(31_000);
  vi.advanceTimersByTime(60_000);
  await sleep(200);
  expect(requests).toHaveLength(1);
  expect(held[0]?.destroyed).toBe(false);
  // Past the server's own timeout + 30 s the client does give up, and resumes from the last version.
  vi.advanceTimersByTime(330_000);
  await vi.waitFor(() => expect(requests).toHaveLength(2), { timeout: 10_000 });
  expect(new URL(requests[1]?.url ?? "", "http://x").searchParams.get("resourceVersion")).toBe("2");
});
