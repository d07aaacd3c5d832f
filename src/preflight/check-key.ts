import type { HsmKey } from "../hsm/index.ts";
import type { FailureCode } from "./failure-catalogue.ts";
import type { PreflightConfig } from "./preflight-config.ts";
import { PreflightError } from "./preflight-error.ts";

const requiredOps = ["encrypt", "decrypt"] as const;

/**
 * Checks the key version the HSM returned: `oct-HSM`, 256 bits, enabled, inside `nbf`/`exp`, `key_ops`
 * allowing encrypt and decrypt, and the pinned version when one is configured. Throws a classified error.
 */
export function checkKey(key: HsmKey, config: PreflightConfig, now: Date): void {
  const where = `key '${config.keyName}' version ${key.version}`;
  const fail = (code: FailureCode, message: string) =>
    new PreflightError(message, { code, requestId: key.requestId });
  if (config.keyVersion !== undefined && key.version.toLowerCase() !== config.keyVersion.toLowerCase())
    throw fail(
      "KEY_VERSION_NOT_FOUND",
      `asked for version ${config.keyVersion}, the HSM returned ${key.version}`,
    );
  if (key.keyType !== "oct-HSM")
    throw fail(
      "KEY_WRONG_TYPE",
      `${where} has kty ${key.keyType ?? "(none)"}; expected oct-HSM (AES, 256 bits)`,
    );
  if (key.keySize !== undefined && key.keySize !== 256)
    throw fail("KEY_WRONG_TYPE", `${where} is ${key.keySize} bits; expected 256 (AES-256-GCM)`);
  if (!key.enabled) throw fail("KEY_DISABLED", `${where} is disabled`);
  if (key.notBefore !== undefined && now < key.notBefore)
    throw fail(
      "KEY_NOT_YET_VALID",
      `${where} is not valid before ${key.notBefore.toISOString()} (now ${now.toISOString()})`,
    );
  if (key.expiresOn !== undefined && now >= key.expiresOn)
    throw fail(
      "KEY_EXPIRED",
      `${where} expired at ${key.expiresOn.toISOString()} (now ${now.toISOString()})`,
    );
  const missing = requiredOps.filter((op) => !key.keyOps.includes(op));
  if (missing.length > 0)
    throw fail(
      "KEY_OPERATION_NOT_PERMITTED",
      `${where} does not permit ${missing.join(" and ")}; its key_ops are [${key.keyOps.join(", ")}]`,
    );
}
