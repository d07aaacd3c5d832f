import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageTable } from "./node-agent/index.ts";

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The chart's image repository; its tag is ignored (the local node runs this checkout's bundles). */
export const keywrapImage = "ghcr.io/spirl/spirl-keywrap";
/** Node's options before the preflight's launcher in the image's entrypoint (why: see the Dockerfile). */
export const preflightNodeOptions = ["--min-semi-space-size=16"] as const;

/** The image's ENTRYPOINT, as the Dockerfile has it (test/image/dockerfile.test.ts): the preflight. */
export const preflightEntrypoint = [
  "/nodejs/bin/node",
  ...preflightNodeOptions,
  "/app/preflight.mjs",
] as const;

/** A workload for the demo and tests: asks the Trust Domain Server for a JWT-SVID with its Pod's token. */
export const svidClientImage = "local.test/spirl-svid-client";

/**
 * What the local node may run, and as what: the chart's image runs the bundles `npm run build:bundles`
 * makes (as the Dockerfile lays them out; `bundleDir` defaults to `dist/`), the SVID client runs from
 * source. Nothing else runs.
 */
export function projectImages(bundleDir: string = repo("dist")): ImageTable {
  const node = process.execPath;
  const bundle = (name: string) => join(bundleDir, name);
  return {
    [keywrapImage]: {
      entrypoint: preflightEntrypoint,
      // The Dockerfile's `USER 65532:65532` (distroless nonroot).
      user: { uid: 65532, gid: 65532 },
      programs: [
        { match: preflightEntrypoint, run: [node, ...preflightNodeOptions, bundle("preflight.mjs")] },
        { match: ["/nodejs/bin/node", "/app/server.mjs"], run: [node, bundle("server.mjs")] },
      ],
    },
    [svidClientImage]: {
      entrypoint: ["/app/fetch-jwt-svid"],
      user: { uid: 65532, gid: 65532 },
      programs: [
        {
          match: ["/app/fetch-jwt-svid"],
          run: [node, repo("src/local-cluster/workloads/fetch-jwt-svid.ts")],
        },
      ],
    },
  };
}
