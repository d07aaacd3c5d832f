import { z } from "zod";
import { faultKinds } from "../faults/fault-plan.ts";
import { findBuiltInRole } from "../rbac/built-in-roles.ts";

/** Dev-mode identities: fixed so an env file written yesterday still names the same tenant and client. */
export const devDefaults = {
  tenantId: "e1e1e1e1-0000-4000-8000-000000000001",
  clientId: "e1e1e1e1-0000-4000-8000-000000000002",
  objectId: "e1e1e1e1-0000-4000-8000-000000000003",
  hsm: "localhsm",
  subject: "system:serviceaccount:default:workload",
} as const;

/** `issuer: dev` in a federated credential means the emulator's own issuer (its URL has a run-time port). */
export const devIssuerAlias = "dev";

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected a GUID");

export const keyConfigSchema = z
  .object({
    name: z.string().regex(/^[0-9A-Za-z-]{1,127}$/, "expected 1-127 letters, digits and dashes"),
    kty: z.enum(["oct-HSM", "AES", "RSA-HSM", "RSA", "EC-HSM", "EC"]).default("oct-HSM"),
    keySize: z.number().int().optional(),
    curve: z.enum(["P-256", "P-384", "P-521"]).optional(),
    keyOps: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
    /** Unix seconds. */
    nbf: z.number().int().optional(),
    /** Unix seconds. */
    exp: z.number().int().optional(),
  })
  .strict();

export const roleAssignmentSchema = z
  .object({
    /** Default: the first HSM. */
    hsm: z.string().optional(),
    /** Object id of the principal (a client's `objectId`). */
    principalId: guid,
    role: z
      .string()
      .refine((role) => findBuiltInRole(role) !== undefined, "expected a built-in role name or id"),
    scope: z
      .string()
      .regex(/^\/(keys(\/[0-9A-Za-z-]+)?)?$/, "expected '/', '/keys' or '/keys/<name>'")
      .default("/"),
  })
  .strict();

export const faultSchema = z
  .object({
    kind: z.enum(faultKinds),
    operation: z.string().optional(),
    hsm: z.string().optional(),
    count: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    // setTimeout's limit: a longer delay would silently fire after 1 ms.
    latencyMs: z.number().int().nonnegative().max(2_147_483_647).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  })
  .strict();

/** A federated identity credential of a client, in the config and in the admin API. */
export const federatedCredentialSchema = z
  .object({
    /** An https issuer URL, or `dev` for the emulator's own issuer. */
    issuer: z.union([z.literal(devIssuerAlias), z.url({ protocol: /^https$/ })]),
    subject: z.string().min(1),
    audiences: z.array(z.string()).optional(),
  })
  .strict();

const clientSchema = z
  .object({
    clientId: guid,
    objectId: guid,
    federatedCredentials: z.array(federatedCredentialSchema).default([]),
  })
  .strict();

/** The emulator's YAML config; an empty document is dev mode. */
export const emulatorConfigSchema = z
  .object({
    tenantId: guid.default(devDefaults.tenantId),
    hsms: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9-]{3,24}$/, "expected 3-24 lowercase letters, digits and dashes"),
            keys: z.array(keyConfigSchema).default([]),
          })
          .strict(),
      )
      .min(1)
      .default([{ name: devDefaults.hsm, keys: [] }]),
    /** Issuers trusted beyond the dev issuer, with the CA of their HTTPS endpoints. */
    issuers: z
      .array(z.object({ issuer: z.url({ protocol: /^https$/ }), caFile: z.string().optional() }).strict())
      .default([]),
    clients: z.array(clientSchema).default([
      {
        clientId: devDefaults.clientId,
        objectId: devDefaults.objectId,
        federatedCredentials: [{ issuer: devIssuerAlias, subject: devDefaults.subject }],
      },
    ]),
    roleAssignments: z
      .array(roleAssignmentSchema)
      .default([{ principalId: devDefaults.objectId, role: "Managed HSM Crypto User", scope: "/" }]),
    /** The client whose identity the env file carries. Default: the first client. */
    envClientId: guid.optional(),
    faults: z.array(faultSchema).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    // Cross-references the model cannot state field by field; each would otherwise fail only at run time.
    const hsms = new Set(config.hsms.map((hsm) => hsm.name));
    const issuers = new Set([devIssuerAlias, ...config.issuers.map((issuer) => issuer.issuer)]);
    for (const field of ["roleAssignments", "faults"] as const)
      config[field].forEach(({ hsm }, index) => {
        if (hsm !== undefined && !hsms.has(hsm))
          context.addIssue({
            code: "custom",
            path: [field, index, "hsm"],
            message: `no HSM named '${hsm}' in hsms`,
          });
      });
    config.clients.forEach((client, index) => {
      client.federatedCredentials.forEach((credential, credentialIndex) => {
        if (!issuers.has(credential.issuer))
          context.addIssue({
            code: "custom",
            path: ["clients", index, "federatedCredentials", credentialIndex, "issuer"],
            message: `issuer '${credential.issuer}' is neither 'dev' nor listed in issuers`,
          });
      });
    });
    if (
      config.envClientId !== undefined &&
      !config.clients.some((client) => client.clientId === config.envClientId)
    )
      context.addIssue({
        code: "custom",
        path: ["envClientId"],
        message: "no client with this clientId in clients",
      });
  });

export type EmulatorConfig = z.infer<typeof emulatorConfigSchema>;
export type EmulatorConfigInput = z.input<typeof emulatorConfigSchema>;
