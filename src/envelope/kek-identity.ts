import { parseManagedHsmUrl } from "../config/managed-hsm-url.ts";
import { EnvelopeError, quoted } from "./envelope-error.ts";

// How an envelope names its KEK's HSM and key. Managed HSM host and key names are case-insensitive
// (the service answers `MyKek` for a key created as `mykek`), so every comparison, and the context,
// uses one lowercase form.

/**
 * Lowercase host of an HSM URL (`https://<hsm-name>.managedhsm.azure.net/`), read by src/config's one
 * URL rule; `ENVELOPE_MALFORMED` naming `field` when the URL does not follow it.
 */
export function hsmHost(url: string, field: string): string {
  const parsed = parseManagedHsmUrl(url);
  if (parsed === undefined)
    throw new EnvelopeError(
      `${field}: expected https://<hsm-name>.managedhsm.azure.net/; got ${quoted(url)}`,
      { code: "ENVELOPE_MALFORMED", field },
    );
  return parsed.host;
}

/** The one form of a Managed HSM key name that comparisons and the context use. */
export function kekNameOf(name: string): string {
  return name.toLowerCase();
}
