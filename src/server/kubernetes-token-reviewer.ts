import { AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";
// The object-parameter API takes observable middleware; the client's own small Observable is not re-exported.
import { of } from "@kubernetes/client-node/dist/gen/rxjsStub.js";
import { HttpError } from "./http-error.ts";
import type { TokenReviewer, TokenReviewResult } from "./token-reviewer.ts";

/** Options of {@link kubernetesTokenReviewer}. */
export interface KubernetesTokenReviewerOptions {
  /** Where the API server is and how to reach it (`KUBECONFIG` or the in-cluster config). */
  readonly kubeConfig: KubeConfig;
  /** The audience a caller's token must be issued for (the TokenReview's `spec.audiences`). */
  readonly audience: string;
}

/**
 * A {@link TokenReviewer} over `authentication.k8s.io/v1` TokenReview with @kubernetes/client-node. The
 * API server checks signature, expiry, audience and that the service account (and a bound pod) still
 * exists; an unreachable API server is `TOKEN_REVIEW_UNAVAILABLE`, never "authenticated".
 */
export function kubernetesTokenReviewer(options: KubernetesTokenReviewerOptions): TokenReviewer {
  const api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
  return {
    async review(token, signal): Promise<TokenReviewResult> {
      let review: Awaited<ReturnType<typeof api.createTokenReview>>;
      try {
        review = await api.createTokenReview(
          {
            body: {
              apiVersion: "authentication.k8s.io/v1",
              kind: "TokenReview",
              spec: { token, audiences: [options.audience] },
            },
          },
          // The generated client takes no signal argument; a middleware hands it to the HTTP request, so
          // an abort cancels the request itself, not only the wait for it.
          {
            middleware: [
              {
                pre: (context) => {
                  context.setSignal(signal);
                  return of(context);
                },
                post: (context) => of(context),
              },
            ],
            middlewareMergeStrategy: "append",
          },
        );
      } catch (error) {
        // The client's error may quote the request body, which holds the token: keep it out of the message.
        throw new HttpError("TokenReview: the API server did not answer", {
          code: "TOKEN_REVIEW_UNAVAILABLE",
          cause: error,
        });
      }
      const status = review.status;
      const authenticated =
        status?.authenticated === true && (status.audiences ?? []).includes(options.audience);
      return authenticated && status?.user?.username !== undefined
        ? { authenticated, username: status.user.username }
        : { authenticated: false };
    },
  };
}
