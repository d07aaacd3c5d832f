import type { KeyObject } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { TrustedIssuer } from "./fetch-issuer-keys.ts";

/** A federated identity credential: tokens from `issuer` with this `subject` may act as the client. */
export interface FederatedCredential {
  readonly issuer: string;
  readonly subject: string;
  /** Accepted `aud` values. Default `["api://AzureADTokenExchange"]`. */
  readonly audiences?: readonly string[];
}

/** An app registration (workload identity client) and its service principal. */
export interface ClientRegistration {
  /** Application (client) id, sent as `client_id` and issued as `appid`. */
  readonly clientId: string;
  /** Service principal object id, issued as `oid`; role assignments name this. */
  readonly objectId: string;
  readonly federatedCredentials: FederatedCredential[];
}

/** The emulated Entra tenant: its clients, the issuers it trusts and the key it signs access tokens with. */
export interface EntraDirectory {
  readonly tenantId: string;
  readonly clients: Map<string, ClientRegistration>;
  /** Issuers by `iss`; an issuer must be here for its assertions to be checked at all. */
  readonly issuers: Map<string, TrustedIssuer>;
  readonly signingKey: KeyObject;
  readonly signingKeyId: string;
  readonly clock: Clock;
}
