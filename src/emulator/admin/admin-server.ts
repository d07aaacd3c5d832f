import { createServer, type Server } from "node:http";
import type { z } from "zod";
import {
  devIssuerAlias,
  faultSchema,
  federatedCredentialSchema,
  keyConfigSchema,
  roleAssignmentSchema,
} from "../config/emulator-config.ts";
import type { DevIssuer } from "../entra/dev-issuer.ts";
import { keyBundle } from "../hsm/key-bundle.ts";
import { isServiceError } from "../hsm/service-error.ts";
import { isBodyTooLarge, readBody } from "../http/read-body.ts";
import { type EmulatorState, hsmUrl } from "../state.ts";
import { checkAdminAccess } from "./admin-access.ts";
import { assertionRequestSchema, clockRequestSchema, keyPatchSchema } from "./admin-requests.ts";

/**
 * The loopback admin API (JSON over plain HTTP) that tests and humans use to change faults, roles,
 * keys and the clock at run time and to read the request log. Every request carries the per-run
 * `token` as a bearer token (see {@link checkAdminAccess}); every change is validated in full before
 * any state moves, so a 4xx answer means nothing changed.
 *
 * GET /requests · DELETE /requests · GET|POST|DELETE /faults · DELETE /faults/{id} ·
 * GET|POST /role-assignments · DELETE /role-assignments/{id} · GET|POST /clock ·
 * GET /hsms/{hsm}/keys · POST|PATCH /hsms/{hsm}/keys/{name} · POST /assertions
 */
export function createAdminServer(state: EmulatorState, devIssuer: DevIssuer, token: string): Server {
  return createServer((request, response) => {
    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(json === undefined ? "" : JSON.stringify(json));
    };
    const refuse = (status: number, code: string, message: string) =>
      // The body is left unread: close rather than drain it.
      reply(status, { error: { code, message } }, { connection: "close" });
    const denial = checkAdminAccess(request, token);
    if (denial !== undefined) return refuse(denial.status, "ADMIN_ACCESS_DENIED", denial.message);
    readBody(request)
      .then((body) => {
        const input: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
        if (typeof input !== "object" || input === null || Array.isArray(input))
          throw new RangeError("(body): expected a JSON object");
        const [status, json] = route(state, devIssuer, request.method ?? "GET", request.url ?? "/", input);
        reply(status, json);
      })
      .catch((error: unknown) => {
        if (isBodyTooLarge(error)) return refuse(413, "ADMIN_REQUEST_TOO_LARGE", (error as Error).message);
        if (isServiceError(error))
          return reply(error.status, { error: { code: error.code, message: error.message } });
        if (error instanceof RangeError || error instanceof SyntaxError)
          return reply(400, { error: { code: "ADMIN_REQUEST_INVALID", message: error.message } });
        // A bug, not a bad request: no details (they could hold request data).
        console.error(`emulator admin: internal error: ${(error as Error).message}`);
        reply(500, { error: { code: "ADMIN_INTERNAL_ERROR", message: "internal error" } });
      });
  });
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new RangeError(`${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}`);
}

function route(
  state: EmulatorState,
  devIssuer: DevIssuer,
  method: string,
  url: string,
  input: unknown,
): [number, unknown?] {
  const path = new URL(url, "http://admin").pathname;
  const [, collection, id, sub, name] = path.split("/");
  const firstHsm = () => [...state.hsms.keys()][0] as string;
  const clockNow = () => ({
    now: new Date(state.clock.now()).toISOString(),
    offsetSeconds: state.clock.offsetSeconds(),
  });
  switch (
    `${method} /${collection}${id === undefined ? "" : "/:id"}${sub === undefined ? "" : `/${sub}`}${name === undefined ? "" : "/:name"}`
  ) {
    case "GET /requests":
      return [200, { counts: state.log.counts(), entries: state.log.entries() }];
    case "DELETE /requests":
      state.log.clear();
      return [204];
    case "GET /faults":
      return [200, state.faults.list()];
    case "POST /faults": {
      const fault = parse(faultSchema, input);
      // A fault for an HSM that does not exist would never fire: refuse it rather than wait for nothing.
      if (fault.hsm !== undefined) keyStore(state, fault.hsm);
      return [201, state.faults.add(fault)];
    }
    case "DELETE /faults":
      state.faults.clear();
      return [204];
    case "DELETE /faults/:id":
      return [state.faults.remove(id ?? "") ? 204 : 404];
    case "GET /role-assignments":
      return [200, state.roles.list()];
    case "POST /role-assignments": {
      const assignment = parse(roleAssignmentSchema, input);
      const hsm = assignment.hsm ?? firstHsm();
      keyStore(state, hsm);
      return [201, state.roles.add({ ...assignment, hsm })];
    }
    case "DELETE /role-assignments/:id":
      return [state.roles.remove(id ?? "") ? 204 : 404];
    case "GET /clock":
      return [200, clockNow()];
    case "POST /clock": {
      const request = parse(clockRequestSchema, input);
      // The clock itself refuses an instant out of range before it moves.
      if ("advanceSeconds" in request) state.clock.advance(request.advanceSeconds);
      else state.clock.set(Date.parse(request.now));
      return [200, clockNow()];
    }
    case "GET /hsms/:id/keys":
      return [200, keyStore(state, id).names()];
    case "POST /hsms/:id/keys/:name": {
      const store = keyStore(state, id);
      const key = parse(keyConfigSchema, { ...(input as object), name });
      const version = store.create(key.name, keySpec(key), state.clock.nowSeconds());
      return [201, keyBundle(hsmUrl(id ?? ""), key.name, version)];
    }
    case "PATCH /hsms/:id/keys/:name": {
      const patch = parse(keyPatchSchema, input);
      const version = keyStore(state, id).latest(name ?? "");
      if (patch.enabled !== undefined) version.attributes.enabled = patch.enabled;
      if (patch.nbf !== undefined) version.attributes.nbf = patch.nbf;
      if (patch.exp !== undefined) version.attributes.exp = patch.exp;
      if (patch.keyOps !== undefined) version.keyOps = patch.keyOps;
      version.attributes.updated = state.clock.nowSeconds();
      return [200, keyBundle(hsmUrl(id ?? ""), name ?? "", version)];
    }
    case "POST /clients/:id/federated-credentials": {
      // What `az identity federated-credential create` does: trust one more issuer + subject for a client.
      const credential = parse(federatedCredentialSchema, input);
      const client = state.directory.clients.get(id ?? "");
      if (client === undefined) return [404, adminError(`no client ${JSON.stringify(id)}`)];
      const issuer = credential.issuer === devIssuerAlias ? devIssuer.issuer : credential.issuer;
      if (!state.directory.issuers.has(issuer))
        return [
          400,
          adminError(`issuer: ${JSON.stringify(issuer)} is not a trusted issuer of this emulator`),
        ];
      client.federatedCredentials.push({
        issuer,
        subject: credential.subject,
        ...(credential.audiences !== undefined && { audiences: credential.audiences }),
      });
      return [201, { clientId: client.clientId, federatedCredentials: client.federatedCredentials }];
    }
    case "POST /assertions": {
      const { subject, audience, lifetimeSeconds } = parse(assertionRequestSchema, input);
      const request = {
        subject,
        ...(audience !== undefined && { audience }),
        ...(lifetimeSeconds !== undefined && { lifetimeSeconds }),
      };
      return [201, { token: devIssuer.mint(request, state.clock.nowSeconds()) }];
    }
    default:
      return [404, adminError(`no admin route ${method} ${path}`)];
  }
}

function keyStore(state: EmulatorState, hsm: string | undefined) {
  const store = state.hsms.get(hsm ?? "");
  if (store === undefined) throw new RangeError(`hsm: no HSM named '${hsm}'`);
  return store;
}

/** Maps a config key to the store's spec (camelCase fields, defaults left to the store). */
export function keySpec(key: z.infer<typeof keyConfigSchema>) {
  return {
    kty: key.kty,
    ...(key.keySize !== undefined && { keySize: key.keySize }),
    ...(key.curve !== undefined && { curve: key.curve }),
    ...(key.keyOps !== undefined && { keyOps: key.keyOps }),
    ...(key.enabled !== undefined && { enabled: key.enabled }),
    ...(key.nbf !== undefined && { nbf: key.nbf }),
    ...(key.exp !== undefined && { exp: key.exp }),
  };
}

function adminError(message: string) {
  return { error: { code: "ADMIN_REQUEST_INVALID", message } };
}
