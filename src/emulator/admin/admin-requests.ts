import { z } from "zod";
import { keyConfigSchema } from "../config/emulator-config.ts";

/** Longest-lived assertion the admin API mints, either way (negative lifetimes make expired tokens). */
const maxAssertionLifetimeSeconds = 366 * 86_400;

/** `POST /clock`: move emulator time by seconds, or set it to an instant. */
export const clockRequestSchema = z.union([
  z.strictObject({ advanceSeconds: z.number() }),
  z.strictObject({ now: z.iso.datetime({ offset: true }) }),
]);

/** `PATCH /hsms/{hsm}/keys/{name}`: the attributes a key version may change after creation. */
export const keyPatchSchema = keyConfigSchema
  .pick({ enabled: true, nbf: true, exp: true, keyOps: true })
  .partial();

/** `POST /assertions`: a dev-issuer service-account token. */
export const assertionRequestSchema = z.strictObject({
  subject: z.string().min(1),
  audience: z.array(z.string().min(1)).min(1).optional(),
  lifetimeSeconds: z
    .number()
    .int()
    .min(-maxAssertionLifetimeSeconds)
    .max(maxAssertionLifetimeSeconds)
    .optional(),
});
