// The one statement of what a Managed HSM URL is. The values model's pattern (and so the JSON Schema,
// the template checks and `validate`) and every part of the preflight that needs the HSM's host or name
// read it from here.

/** 3–24 letters, digits and hyphens, starting with a letter and ending with a letter or digit. */
export const hsmNamePattern = "[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]";

/** The DNS zone of Managed HSM in the public cloud. */
const managedHsmZone = ".managedhsm.azure.net";

/** `azure.keyVault.url`: `https://<hsm-name>.managedhsm.azure.net` with an optional `/`. JS and RE2 alike. */
export const managedHsmUrlPattern = `^https://${hsmNamePattern}\\.managedhsm\\.azure\\.net/?$`;

const managedHsmUrl = new RegExp(managedHsmUrlPattern);

/** A URL that passed the rule, taken apart. */
export interface ManagedHsmUrl {
  /** The HSM's name, lowercase: `my-hsm`. */
  readonly name: string;
  /** Lowercase host: `my-hsm.managedhsm.azure.net`. */
  readonly host: string;
}

/** The HSM name and host of a URL that follows {@link managedHsmUrlPattern}; undefined otherwise. */
export function parseManagedHsmUrl(text: string): ManagedHsmUrl | undefined {
  if (!managedHsmUrl.test(text)) return undefined;
  const host = new URL(text).hostname;
  return { name: host.slice(0, -managedHsmZone.length), host };
}

/**
 * True for an https URL whose host is outside the Managed HSM zone (a standard Key Vault, any other
 * site): the most common mistake, which the preflight reports with its own code.
 */
export function isOutsideManagedHsm(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return false;
  }
  return url.protocol === "https:" && !url.hostname.endsWith(managedHsmZone);
}
