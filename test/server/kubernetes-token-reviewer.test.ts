import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { freePort } from "../../src/local-cluster/control-plane/free-port.ts";
import { isHttpError, kubernetesTokenReviewer } from "../../src/server/index.ts";

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

  it("an abort cancels the TokenReview request itself, not only the wait for it", async () => {
    // An API server that takes the request and never answers.
    const arrived = Promise.withResolvers<IncomingMessage>();
    const apiServer = createServer((request) => arrived.resolve(request));
    apiServer.listen(0, "127.0.0.1");
    await once(apiServer, "listening");
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [
          {
            name: "mute",
            server: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`,
            skipTLSVerify: true, // the client refuses plain HTTP without it
          },
        ],
        users: [{ name: "nobody" }],
        contexts: [{ name: "mute", cluster: "mute", user: "nobody" }],
        currentContext: "mute",
      });
      const controller = new AbortController();
      const review = kubernetesTokenReviewer({ kubeConfig, audience: "spirl" })
        .review("a.b.c", controller.signal)
        .catch((caught: unknown) => caught);
      const request = await arrived.promise;
      const closed = once(request.socket, "close").then(() => "closed");
      controller.abort(new Error("deadline"));
      const error = await review;
      expect(isHttpError(error) && error.code).toBe("TOKEN_REVIEW_UNAVAILABLE");
      const deadline = new Promise((resolve) => setTimeout(resolve, 5000, "still open").unref());
      expect(await Promise.race([closed, deadline])).toBe("closed");
    } finally {
      apiServer.closeAllConnections();
      apiServer.close();
    }
  });
});
