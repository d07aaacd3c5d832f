/** What the API server said about a bearer token. */
export interface TokenReviewResult {
  /** False for an unknown, expired or wrong-audience token. */
  readonly authenticated: boolean;
  /** `system:serviceaccount:<namespace>:<name>` for a service-account token. */
  readonly username?: string;
}

/** Asks the API server who a token belongs to (a `TokenReview` for the server's audience). */
export interface TokenReviewer {
  review(token: string, signal: AbortSignal): Promise<TokenReviewResult>;
}
