import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isHttpError, kubernetesTokenReviewer } from "../../src/server/index.ts";
import { freePort } from "../helpers/free-port.ts";

describe("kubernetesTokenReviewer", () => {
  it("treats an unreachable API server as TOKEN_REVIEW_UNAVAILABLE (503), never as a verdict on the token", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "gone", server: `https://127.0.0.1:${await freePort()}`, skipTLSVerify: true }],
      users: [{ name: "nobody" }],
      contexts: [{ name: "gone", cluster: "gone", user: "nobody" }],
      currentContext: "gone",
    });
    const reviewer = kubernetesTokenReviewer({ kubeConfig, audience: "spirl" });
    const secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZQ";
    const error = await reviewer
      .review(secret, new AbortController().signal)
      .catch((caught: unknown) => caught);
    expect(isHttpError(error) && [error.code, error.status]).toEqual(["TOKEN_REVIEW_UNAVAILABLE", 503]);
    expect(String((error as Error).message)).not.toContain("c2VjcmV0");
  });
});
