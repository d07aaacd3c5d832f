import type { AccessToken, GetTokenOptions } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { prefetchingCredential } from "../../src/hsm/prefetching-credential.ts";

/** A credential that counts its requests and answers each with the next of `answers`. */
function countingCredential(answers: readonly (AccessToken | Error)[]) {
  const calls: { scopes: string[]; options: GetTokenOptions | undefined }[] = [];
  return {
    calls,
    async getToken(scopes: string | string[], options?: GetTokenOptions) {
      calls.push({ scopes: [scopes].flat(), options });
      const answer = answers[calls.length - 1] ?? answers.at(-1);
      if (answer instanceof Error) throw answer;
      return answer ?? null;
    },
  };
}

const hour = () => Date.now() + 3_600_000;
const scope = ["https://managedhsm.azure.net/.default"];
const sdkOptions = { tenantId: "t1", enableCae: true };

describe("prefetchingCredential", () => {
  it("hands the prefetched token to every matching request instead of asking again", async () => {
    const inner = countingCredential([{ token: "a", expiresOnTimestamp: hour() }]);
    const credential = prefetchingCredential(inner);
    credential.prefetch(scope, sdkOptions);
    const [first, second] = await Promise.all([
      credential.getToken(scope, { ...sdkOptions, abortSignal: new AbortController().signal }),
      credential.getToken(scope, sdkOptions),
    ]);
    expect([first?.token, second?.token]).toEqual(["a", "a"]);
    expect(inner.calls).toHaveLength(1);
  });

  it("asks the credential itself for another tenant, other claims or without CAE", async () => {
    const inner = countingCredential([{ token: "a", expiresOnTimestamp: hour() }]);
    const credential = prefetchingCredential(inner);
    credential.prefetch(scope, sdkOptions);
    await credential.getToken(scope, { ...sdkOptions, tenantId: "t2" });
    await credential.getToken(scope, { ...sdkOptions, claims: "{}" });
    await credential.getToken(scope, { tenantId: "t1" });
    expect(inner.calls.map((call) => call.options?.tenantId)).toEqual(["t1", "t2", "t1", "t1"]);
  });

  it("reports a failed prefetch to the first request, then asks afresh", async () => {
    const inner = countingCredential([new Error("AADSTS700211"), { token: "b", expiresOnTimestamp: hour() }]);
    const credential = prefetchingCredential(inner);
    credential.prefetch(scope, sdkOptions);
    await expect(credential.getToken(scope, sdkOptions)).rejects.toThrow("AADSTS700211");
    expect((await credential.getToken(scope, sdkOptions))?.token).toBe("b");
    expect(inner.calls).toHaveLength(2);
  });

  it("does not hand out a token that is about to expire", async () => {
    const inner = countingCredential([
      { token: "old", expiresOnTimestamp: Date.now() + 60_000 },
      { token: "new", expiresOnTimestamp: hour() },
    ]);
    const credential = prefetchingCredential(inner);
    credential.prefetch(scope, sdkOptions);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await credential.getToken(scope, sdkOptions))?.token).toBe("new");
  });

  it("lets a request give up on its own signal while the prefetch goes on", async () => {
    const inner = { getToken: () => new Promise<AccessToken>(() => undefined) };
    const credential = prefetchingCredential(inner);
    credential.prefetch(scope, sdkOptions);
    const controller = new AbortController();
    const waiting = credential.getToken(scope, { ...sdkOptions, abortSignal: controller.signal });
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
  });
});
