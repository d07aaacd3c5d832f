import type { KeyClientOptions } from "@azure/keyvault-keys";

type PipelinePolicy = NonNullable<KeyClientOptions["additionalPolicies"]>[number]["policy"];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy["sendRequest"]>>;

/**
 * One challenge round trip per HSM instead of one per SDK client. The SDK's Key Vault authentication
 * policy starts every client (the key client, each crypto client) with an unauthenticated copy of its
 * first request, only to learn from the 401's `WWW-Authenticate` where to get a token. All clients of
 * one HSM get the same answer, so the first 401 is kept and handed to every later unauthenticated
 * request of the same HSM without sending it; the SDK then authenticates (its token comes from the
 * credential's cache) and sends the real request. A request that finds the first probe still in flight
 * waits for its answer. Nothing but an HSM 401 with a `WWW-Authenticate` header is ever replayed.
 */
export function sharedChallengePolicy(): PipelinePolicy {
  let challenge: Promise<PipelineResponse | undefined> | undefined;
  return {
    name: "spirlKeywrapSharedChallenge",
    async sendRequest(request, next) {
      if (request.headers.has("authorization")) return next(request);
      const known = await challenge;
      if (known !== undefined) return { ...known, request };
      let settle: (response: PipelineResponse | undefined) => void = () => undefined;
      const probe = new Promise<PipelineResponse | undefined>((resolve) => {
        settle = resolve;
      });
      challenge = probe;
      try {
        const response = await next(request);
        const replayable = response.status === 401 && response.headers.has("www-authenticate");
        settle(replayable ? response : undefined);
        if (!replayable && challenge === probe) challenge = undefined;
        return response;
      } catch (error) {
        settle(undefined);
        if (challenge === probe) challenge = undefined;
        throw error;
      }
    },
  };
}
