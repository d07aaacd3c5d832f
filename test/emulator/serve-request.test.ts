import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.ts";

const emulator = useEmulator();

describe("the emulated services", () => {
  it.each([
    ["localhsm.managedhsm.azure.net", "/keys/k/encrypt?api-version=7.6"],
    ["login.microsoftonline.com", `/${"e1e1e1e1-0000-4000-8000-000000000001"}/oauth2/v2.0/token`],
  ])("answer 413, not 500, to a body over 1 MiB on %s", async (host, path) => {
    const response = await emulator.raw({
      host,
      method: "POST",
      path,
      headers: { authorization: "Bearer x", "content-type": "application/json" },
      body: "x".repeat(1_048_577),
    });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error: { code: "RequestBodyTooLarge" } });
  });
});

describe("the request log", () => {
  it("stamps when each answer was written, so requests in flight together show as overlapping", async () => {
    const { state } = emulator.handle;
    state.log.clear();
    // Each request held 300 ms by the network: sent together, each is received before the other is answered.
    const fault = state.faults.add({ kind: "latency", latencyMs: 300, hsm: "localhsm" });
    try {
      const challenge = () =>
        emulator.raw({
          host: "localhsm.managedhsm.azure.net",
          method: "GET",
          path: "/keys/k/?api-version=7.6",
        });
      await Promise.all([challenge(), challenge()]);
    } finally {
      state.faults.remove(fault.id);
    }
    const requests = state.log.entries().filter((entry) => entry.method === "GET");
    expect(requests.map((entry) => entry.status)).toEqual([401, 401]);
    const [first, second] = requests.map((entry) => ({
      received: Date.parse(entry.time),
      answered: Date.parse(entry.answered ?? ""),
    }));
    expect(first && second && second.received < first.answered && first.received < second.answered).toBe(
      true,
    );
    // The CONNECTs that drew the latency are stamped too.
    expect(state.log.entries().filter((entry) => entry.method === "CONNECT" && entry.answered)).toHaveLength(
      2,
    );
  });
});
