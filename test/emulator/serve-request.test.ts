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
