import { type KeyObject, randomUUID } from "node:crypto";
import { publicJwk, signJwt } from "./jwt.ts";

/** Claims of a service-account token, as a Kubernetes API server would mint it for workload identity. */
export interface AssertionRequest {
  /** `sub`, e.g. `system:serviceaccount:default:workload`. */
  readonly subject: string;
  /** `aud`. Default `["api://AzureADTokenExchange"]`. */
  readonly audience?: readonly string[];
  /** Seconds from `now` until `exp`; negative makes an expired token. Default 86400. */
  readonly lifetimeSeconds?: number;
  /** Sign with this key instead of the issuer's (a forged token). */
  readonly signingKey?: KeyObject;
}

/**
 * The emulator's own OIDC issuer for dev mode: a stand-in for a cluster's service-account issuer,
 * served at `https://127.0.0.1:<port>` with a discovery document and JWKS, so the token endpoint
 * validates its tokens exactly as it would a real API server's.
 */
export class DevIssuer {
  readonly issuer: string;
  readonly #privateKey: KeyObject;
  readonly #kid: string;

  constructor(issuer: string, privateKey: KeyObject) {
    this.issuer = issuer;
    this.#privateKey = privateKey;
    this.#kid = randomUUID();
  }

  discoveryDocument(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
    };
  }

  jwks(): Record<string, unknown> {
    return { keys: [publicJwk(this.#privateKey, this.#kid)] };
  }

  /** A signed service-account token; `nowSeconds` comes from the emulator clock. */
  mint(request: AssertionRequest, nowSeconds: number): string {
    return signJwt(
      {
        aud: request.audience ?? ["api://AzureADTokenExchange"],
        exp: nowSeconds + (request.lifetimeSeconds ?? 86_400),
        iat: nowSeconds,
        nbf: nowSeconds,
        iss: this.issuer,
        sub: request.subject,
      },
      request.signingKey ?? this.#privateKey,
      this.#kid,
    );
  }
}
