import { z } from "zod";
import { managedHsmUrlPattern } from "./managed-hsm-url.ts";
import { trustDomainPattern } from "./trust-domain.ts";
import { exceedsSecondsWords, type ValueMeta, type ValueProblem } from "./value-meta.ts";

// The one source of truth for the spirl-system chart values. values.schema.json, values.yaml, the README
// table, the template checks and `spirl-keywrap validate` are all derived from this file.
// Patterns are the only way rules are stated: they must be valid in both JS (ajv, `u` flag) and Go RE2
// (Helm), so no lookaround, backreferences or named groups. Each string rule is one regex, so Helm prints
// one readable line per failure.

/** Checks a `.meta()` argument against ValueMeta (zod's own type accepts any key). */
function meta(info: ValueMeta): ValueMeta & Record<string, unknown> {
  return { ...info };
}

// Go's \s is ASCII-only while JS's (with the u flag) is Unicode, so spell the class out.
const whitespace: ValueProblem = {
  when: "^[\\t\\n\\f\\r ]|[\\t\\n\\f\\r ]$",
  what: "has leading or trailing whitespace; remove it",
};

const hookDeadlineExpected = "an integer from 30 to 3600";

const keyVaultUrl = z
  .string()
  .regex(new RegExp(managedHsmUrlPattern))
  .meta(
    meta({
      description:
        "URL of the Azure Managed HSM (e.g., https://<hsm-name>.managedhsm.azure.net/). Must use the https scheme.",
      default: "",
      "x-expected": "https://<hsm-name>.managedhsm.azure.net/",
      "x-problems": [
        whitespace,
        { when: "^$", what: "is not set; set it to the URL of your Managed HSM" },
        {
          when: "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*@)?[A-Za-z0-9-]+\\.vault\\.azure\\.net([:/?#]|$)",
          what: "is a standard Key Vault URL; only Managed HSM is supported for key wrapping",
        },
        {
          when: "^https://[A-Za-z0-9-]+\\.managedhsm\\.azure\\.net/keys(/|$)",
          what: "is a key identifier; put the HSM URL here and the key name in azure.keyVault.keyName",
        },
        { unless: "^https://", what: "must use the https scheme" },
        { when: "^https://[^/?#]*@", what: "must not contain user info (user@ or user:password@)" },
        { when: "^https://[^/?#]*:", what: "must not contain a port" },
        { when: "[?#]", what: "must not contain a query or a fragment" },
        { when: "^https://[^/]*/.", what: "must not contain a path other than /" },
        {
          unless: "^https://[^/]*\\.managedhsm\\.azure\\.net/?$",
          what: "is not a Managed HSM host; the host must be <hsm-name>.managedhsm.azure.net in lowercase",
        },
        {
          what: "has an invalid hsm-name; it must be 3-24 letters, digits and hyphens, start with a letter and end with a letter or digit",
        },
      ],
    }),
  );

const keyName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,127}$/)
  .meta(
    meta({
      description: "Name of the AES-256 symmetric key in the Managed HSM.",
      default: "",
      "x-expected": "1-127 letters, digits and hyphens",
      "x-problems": [
        whitespace,
        { when: "^$", what: "is not set; set it to the name of the AES-256 key in the Managed HSM" },
        { when: "^.{128}", what: "is longer than 127 characters" },
        { what: "must contain only letters, digits and hyphens" },
      ],
    }),
  );

const keyVersion = z
  .string()
  .regex(/^[0-9A-Fa-f]{0,32}$/)
  .optional()
  .meta(
    meta({
      description:
        "Specific key version to use. If omitted (empty or null), the most recent version is used.",
      default: "",
      "x-default-text": "Latest version",
      "x-expected": "a hexadecimal key version of at most 32 characters (e.g. a1b2c3d4e5f6), or empty",
      "x-problems": [
        whitespace,
        { when: "^[A-Za-z]+$", what: "is not a version id; omit keyVersion to use the latest version" },
        { when: "^.{33}", what: "is longer than 32 characters" },
        { what: "must contain only hexadecimal digits" },
      ],
    }),
  );

/** A Kubernetes resource quantity: a string such as `100m` or `128Mi`, or a plain number. */
function quantity(description: string) {
  return z
    .union([
      z.string().regex(/^([0-9]+(\.[0-9]*)?|\.[0-9]+)([mkMGTPE]|[KMGTPE]i|[eE][-+]?[0-9]+)?$/),
      z.number().min(0),
    ])
    .optional()
    .meta(meta({ description, "x-expected": "a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi" }));
}

function resourceList(description: string, defaults: Record<string, string>) {
  return z
    .strictObject({
      cpu: quantity("CPU (cores, e.g. 100m or 0.5)."),
      memory: quantity("Memory (bytes, e.g. 128Mi)."),
      "ephemeral-storage": quantity("Ephemeral storage (bytes, e.g. 1Gi)."),
    })
    .optional()
    .meta(meta({ description, default: defaults }));
}

/** A container image: repository, tag (empty: the chart's appVersion) and pull policy. */
function containerImage(what: string, repository: string) {
  return z
    .strictObject({
      repository: z
        .string()
        .max(255)
        .regex(/^[a-z0-9]+([._-]+[a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/)
        .meta(
          meta({
            description: `Image repository of ${what}.`,
            default: repository,
            "x-expected": `an image repository such as ${repository} (no tag)`,
            "x-problems": [whitespace, { when: "^$", what: "is not set" }],
          }),
        ),
      tag: z
        .string()
        .regex(/^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/)
        .meta(
          meta({
            description: "Image tag. Empty: the chart's appVersion.",
            default: "",
            "x-expected": "an image tag (letters, digits, _ . -; at most 128 characters), or empty",
            "x-problems": [whitespace],
          }),
        ),
      pullPolicy: z
        .enum(["Always", "IfNotPresent", "Never"])
        .meta(meta({ description: "Image pull policy.", default: "IfNotPresent" })),
    })
    .meta(meta({ description: "Container image." }));
}

const dnsLabel = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/** A whole number of seconds, minutes, hours or days, as `spirl-keywrap server` reads it. */
function keyDuration(description: string, fallback: string) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,5}[smhd]$/)
    .meta(
      meta({
        description,
        default: fallback,
        "x-expected": "a duration such as 90s, 12h or 7d (a whole number with s, m, h or d)",
        "x-problems": [whitespace],
      }),
    );
}

/** Lifetime and pre-publication of the keys of one use. */
function keyRotation(what: string, lifetime: string, prePublish: string) {
  return z
    .strictObject({
      lifetime: keyDuration(`Lifetime of one ${what}; it is replaced before it ends.`, lifetime),
      prePublish: keyDuration(
        `How long the next ${what} is in the bundle before it signs; make it longer than any relying party waits between bundle refreshes.`,
        prePublish,
      ),
    })
    .meta(meta({ description: `Rotation of the ${what}s.` }));
}

/** The values of the spirl-system chart, exactly as Helm hands them to the templates. */
export const spirlSystemValues = z
  .strictObject({
    global: z
      .looseObject({})
      .optional()
      .meta(
        meta({
          description:
            "Values shared with a parent chart; Helm adds it to every subchart. Not used by this chart.",
          "x-hidden": true,
        }),
      ),
    enabled: z
      .boolean()
      .optional()
      .meta(
        meta({
          description:
            "Condition a parent chart may use to enable this chart as a dependency. Not used by this chart.",
          "x-hidden": true,
        }),
      ),
    azure: z
      .strictObject({
        keyVault: z
          .strictObject({ url: keyVaultUrl, keyName, keyVersion })
          .meta(meta({ description: "The Managed HSM key that wraps the signing keys." })),
      })
      .meta(meta({ description: "Azure settings." })),
    trustDomainServer: z
      .strictObject({
        // The server is `spirl-keywrap server`: the same image as the preflight, its own bundle in it.
        image: containerImage(
          "the Trust Domain Server (spirl-keywrap server)",
          "ghcr.io/spirl/spirl-keywrap",
        ),
        trustDomain: z
          .string()
          .regex(trustDomainPattern)
          .meta(
            meta({
              description:
                "SPIFFE trust domain the server issues SVIDs for (spiffe://<trustDomain>/ns/<namespace>/sa/<service-account>). Required to run the server.",
              default: "",
              "x-expected": "a SPIFFE trust domain such as example.org (lowercase letters, digits, . - _)",
              "x-problems": [
                whitespace,
                { when: "[A-Z]", what: "must be lowercase (the SPIFFE ID spec)" },
                { when: "^[a-z]+://", what: "is a URL; give the trust domain alone, such as example.org" },
                { when: "^.{256}", what: "is longer than 255 characters" },
                { what: "must contain only lowercase letters, digits, '.', '-' and '_'" },
              ],
            }),
          ),
        tokenAudience: z
          .string()
          .regex(/^[!-~]{1,256}$/)
          .meta(
            meta({
              description:
                "Audience the callers' projected service-account tokens must carry; the server checks it with a TokenReview.",
              default: "spirl-trust-domain-server",
              "x-expected": "1-256 printable ASCII characters without spaces",
              "x-problems": [whitespace, { when: "^$", what: "is not set" }],
            }),
          ),
        replicas: z
          .int()
          .min(0)
          .max(100)
          .meta(
            meta({
              description: "Number of Trust Domain Server replicas.",
              default: 1,
              "x-expected": "an integer from 0 to 100",
            }),
          ),
        port: z
          .int()
          .min(1024)
          .max(65535)
          .meta(
            meta({
              description:
                "Port the server listens on in its pod (HTTPS); the Service exposes it as port 443. At least 1024: the server runs as a non-root user.",
              default: 8443,
              "x-expected": "an integer from 1024 to 65535",
            }),
          ),
        tls: z
          .strictObject({
            secretName: z
              .string()
              .regex(new RegExp(`^(${dnsLabel}(\\.${dnsLabel})*)?$`))
              .max(253)
              .meta(
                meta({
                  description:
                    "Name of a kubernetes.io/tls Secret (tls.crt, tls.key) in the release namespace with the serving certificate. Empty: the server makes a self-signed certificate at start and logs that it is for development only.",
                  default: "",
                  "x-expected": "a Secret name (lowercase DNS name), or empty",
                  "x-problems": [whitespace],
                }),
              ),
          })
          .meta(meta({ description: "The server's HTTPS serving certificate." })),
        logFormat: z
          .enum(["text", "json"])
          .meta(meta({ description: "Log format of the server: text or json.", default: "text" })),
        signingKeys: z
          .strictObject({
            jwtSvid: keyRotation("JWT-SVID signing key", "7d", "1d"),
            x509Svid: keyRotation("X509-SVID CA key", "30d", "3d"),
          })
          .meta(
            meta({
              description:
                "Signing-key rotation: the next key is published in the bundle prePublish before it signs; the old one stays published until its last SVID expires, then is deleted.",
            }),
          ),
        resources: z
          .strictObject({
            requests: resourceList("Resource requests.", { cpu: "100m", memory: "128Mi" }),
            limits: resourceList("Resource limits.", { memory: "256Mi" }),
          })
          .meta(meta({ description: "Container resources." })),
      })
      .meta(meta({ description: "The Trust Domain Server Deployment." })),
    preflight: z
      .strictObject({
        image: containerImage("the spirl-keywrap preflight", "ghcr.io/spirl/spirl-keywrap"),
        initContainer: z
          .strictObject({
            enabled: z.boolean().meta(
              meta({
                description:
                  "Run the preflight as the init container keywrap-preflight of every Trust Domain Server pod, so a pod never starts with a key it cannot use.",
                default: true,
              }),
            ),
          })
          .meta(meta({ description: "The preflight as an init container." })),
        hook: z
          .strictObject({
            enabled: z.boolean().meta(
              meta({
                description:
                  "Run the preflight as a pre-install,pre-upgrade hook Job, so helm install/upgrade stops before changing anything when the key is unusable.",
                default: true,
              }),
            ),
            activeDeadlineSeconds: z
              .int()
              .min(30)
              .max(3600)
              .meta(
                meta({
                  description:
                    "Seconds the hook Job may run, image pull included, before Kubernetes stops it. Must be more than preflight.timeout when the hook is enabled; keep it below helm's --timeout (default 5m, 300 s) so that a stuck hook fails as the Job's own failure, whose log helm prints, rather than as helm's timeout.",
                  default: 240,
                  "x-expected": hookDeadlineExpected,
                  "x-exceeds-seconds": "preflight.timeout",
                }),
              ),
          })
          .meta(meta({ description: "The preflight as a Helm hook Job." })),
        timeout: z
          .string()
          .regex(/^[1-9][0-9]{0,3}s$/)
          .meta(
            meta({
              description:
                "Overall budget of one preflight run, retries of throttled or unavailable HSM calls included.",
              default: "60s",
              "x-expected": "a number of seconds such as 60s (1s to 9999s)",
              "x-problems": [whitespace],
            }),
          ),
        logFormat: z
          .enum(["text", "json"])
          .meta(meta({ description: "Log format of the preflight: text or json.", default: "text" })),
        resources: z
          .strictObject({
            requests: resourceList("Resource requests.", { cpu: "50m", memory: "64Mi" }),
            limits: resourceList("Resource limits.", { memory: "128Mi" }),
          })
          .meta(meta({ description: "Resources of the preflight container." })),
      })
      // The x-exceeds-seconds rule of hook.activeDeadlineSeconds: a deadline at or below the preflight's own
      // timeout would kill the Job before the preflight can say what is wrong.
      .superRefine((preflight, ctx) => {
        // Zod may run this on values with other issues; judge only what is well-formed.
        const hook = (preflight as { hook?: { activeDeadlineSeconds?: unknown; enabled?: unknown } }).hook;
        // A disabled hook renders no Job: its deadline constrains nothing (the rule of every x-exceeds-seconds).
        if (hook?.enabled === false) return;
        const deadline = hook?.activeDeadlineSeconds;
        const timeout = (preflight as { timeout?: unknown }).timeout;
        if (typeof deadline !== "number" || typeof timeout !== "string" || !/^[0-9]+s$/.test(timeout)) return;
        if (deadline > Number(timeout.slice(0, -1))) return;
        const words = exceedsSecondsWords("preflight.timeout", timeout, hookDeadlineExpected);
        ctx.addIssue({
          code: "custom",
          path: ["hook", "activeDeadlineSeconds"],
          message: words.what,
          params: { expected: words.expected },
          input: deadline,
        });
      })
      .meta(
        meta({
          description:
            "The key-wrapping preflight: proves the Managed HSM key encrypts and decrypts with A256GCM before anything uses it.",
        }),
      ),
    serviceAccount: z
      .strictObject({
        create: z.boolean().meta(
          meta({
            description: "Create the ServiceAccount the Trust Domain Server runs as.",
            default: true,
          }),
        ),
        name: z
          .string()
          // 53, not a ServiceAccount's 253: the preflight hook's own ServiceAccount is `<name>-preflight`,
          // which must stay a distinct name within the 63 characters every name in this chart keeps to.
          .max(53)
          .regex(new RegExp(`^(${dnsLabel}(\\.${dnsLabel})*)?$`))
          .meta(
            meta({
              description:
                "Name of the ServiceAccount. Empty: the release's full name when create is true; `default` (the namespace's default ServiceAccount, as Kubernetes uses when a pod names none) when create is false.",
              default: "",
              "x-expected":
                "a DNS subdomain name of at most 53 characters (lowercase letters, digits, - and .), or empty",
              "x-problems": [whitespace],
            }),
          ),
        annotations: z
          .record(z.string(), z.string())
          .optional()
          .meta(
            meta({
              description: "Annotations on the ServiceAccount.",
              default: {},
              "x-expected": "a map of strings",
            }),
          ),
        workloadIdentity: z
          .strictObject({
            clientId: z
              .string()
              .regex(/^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$/)
              .meta(
                meta({
                  description:
                    "Client ID of the Azure managed identity or app registration the Trust Domain Server signs in as with Workload Identity; set as the ServiceAccount annotation azure.workload.identity/client-id. Empty: no annotation (set it on your own ServiceAccount).",
                  default: "",
                  "x-expected": "a GUID such as 00000000-0000-0000-0000-000000000000, or empty",
                  "x-problems": [whitespace],
                }),
              ),
          })
          .meta(
            meta({ description: "Azure Workload Identity (the only supported way to sign in to Azure)." }),
          ),
      })
      .meta(meta({ description: "The ServiceAccount of the Trust Domain Server." })),
  })
  .meta(meta({ description: "Values of the spirl-system chart." }));

/** The values as the templates see them. */
export type SpirlSystemValues = z.infer<typeof spirlSystemValues>;
