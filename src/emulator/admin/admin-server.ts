import { createServer, type Server } from "node:http";
import type { z } from "zod";
import { faultSchema, keyConfigSchema, roleAssignmentSchema } from "../config/emulator-config.ts";
import type { DevIssuer } from "../entra/dev-issuer.ts";
import { keyBundle } from "../hsm/key-bundle.ts";
import { isServiceError } from "../hsm/service-error.ts";
import { readBody } from "../http/read-body.ts";
import { type EmulatorState, hsmUrl } from "../state.ts";

/**
 * The loopback admin API (JSON over plain HTTP) that tests and humans use to change faults, roles,
 * keys and the clock at run time and to read the request log:
 *
 * GET /requests · DELETE /requests · GET|POST|DELETE /faults · DELETE /faults/{id} ·
 * GET|POST /role-assignments · DELETE /role-assignments/{id} · GET|POST /clock ·
 * GET /hsms/{hsm}/keys · POST|PATCH /hsms/{hsm}/keys/{name} · POST /assertions
 */
export function createAdminServer(state: EmulatorState, devIssuer: DevIssuer): Server {
  return createServer((request, response) => {
    const reply = (status: number, json?: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(json === undefined ? "" : JSON.stringify(json));
    };
    readBody(request)
      .then((body) => {
        const input: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
        const [status, json] = route(state, devIssuer, request.method ?? "GET", request.url ?? "/", input);
        reply(status, json);
      })
      .catch((error: unknown) => {
        if (isServiceError(error))
          return reply(error.status, { error: { code: error.code, message: error.message } });
        reply(400, { error: { code: "ADMIN_REQUEST_INVALID", message: (error as Error).message } });
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
    case "POST /faults":
      return [201, state.faults.add(parse(faultSchema, input))];
    case "DELETE /faults":
      state.faults.clear();
      return [204];
    case "DELETE /faults/:id":
      return [state.faults.remove(id ?? "") ? 204 : 404];
    case "GET /role-assignments":
      return [200, state.roles.list()];
    case "POST /role-assignments": {
      const assignment = parse(roleAssignmentSchema, input);
      return [201, state.roles.add({ ...assignment, hsm: assignment.hsm ?? firstHsm() })];
    }
    case "DELETE /role-assignments/:id":
      return [state.roles.remove(id ?? "") ? 204 : 404];
    case "GET /clock":
      return [
        200,
        { now: new Date(state.clock.now()).toISOString(), offsetSeconds: state.clock.offsetSeconds() },
      ];
    case "POST /clock": {
      const { advanceSeconds, now } = input as { advanceSeconds?: unknown; now?: unknown };
      if (typeof advanceSeconds === "number") state.clock.advance(advanceSeconds);
      else if (typeof now === "string" && !Number.isNaN(Date.parse(now))) state.clock.set(Date.parse(now));
      else throw new RangeError("expected {advanceSeconds: number} or {now: ISO 8601 string}");
      return [
        200,
        { now: new Date(state.clock.now()).toISOString(), offsetSeconds: state.clock.offsetSeconds() },
      ];
    }
    case "GET /hsms/:id/keys":
      return [200, keyStore(state, id).names()];
    case "POST /hsms/:id/keys/:name": {
      const key = parse(keyConfigSchema, { ...(input as object), name });
      const version = keyStore(state, id).create(key.name, keySpec(key), state.clock.nowSeconds());
      return [201, keyBundle(hsmUrl(id ?? ""), key.name, version)];
    }
    case "PATCH /hsms/:id/keys/:name": {
      const patch = parse(keyConfigSchema.partial(), input);
      const version = keyStore(state, id).latest(name ?? "");
      if (patch.enabled !== undefined) version.attributes.enabled = patch.enabled;
      if (patch.nbf !== undefined) version.attributes.nbf = patch.nbf;
      if (patch.exp !== undefined) version.attributes.exp = patch.exp;
      if (patch.keyOps !== undefined) version.keyOps = patch.keyOps;
      version.attributes.updated = state.clock.nowSeconds();
      return [200, keyBundle(hsmUrl(id ?? ""), name ?? "", version)];
    }
    case "POST /assertions": {
      const { subject, lifetimeSeconds } = input as { subject?: unknown; lifetimeSeconds?: unknown };
      if (typeof subject !== "string") throw new RangeError("subject: expected a string");
      const token = devIssuer.mint(
        { subject, ...(typeof lifetimeSeconds === "number" && { lifetimeSeconds }) },
        state.clock.nowSeconds(),
      );
      return [201, { token }];
    }
    default:
      return [404, { error: { code: "ADMIN_REQUEST_INVALID", message: `no admin route ${method} ${path}` } }];
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
