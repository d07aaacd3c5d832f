# syntax=docker/dockerfile:1
# The spirl-keywrap image: two esbuild bundles on a distroless Node 24, each started by a launcher from a
# cache of its compiled code: `spirl-keywrap preflight` (the entrypoint: init container and hook Job)
# and `spirl-keywrap server` (/app/server.mjs: the chart's Deployment sets it as the command), each
# carrying only what its command needs.
# No shell, no package manager, no node_modules in the final image; runs as a non-root user and needs
# nothing writable, so it fits readOnlyRootFilesystem: true.
#   docker build -t ghcr.io/spirl/spirl-keywrap:0.1.0 .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies are needed to bundle (esbuild); none of them reach the final image.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-preflight.ts scripts/train-preflight-cache.ts ./scripts/
COPY src ./src
# Only the bundles (and the trainer, below): the validate snapshot (npm run build) is a developer speed-up,
# tied to one Node binary. The build trains dist/'s code cache too, which proves the bundle passes here.
RUN npm run build:bundles

# The bundles' caches, made by the final image's own Node (a cache made by another V8 is refused), at the
# final paths, as the final user:
# - the preflight's V8 code cache, trained by one real preflight against the local Managed HSM + Entra ID
#   emulator that the trainer carries (scripts/train-preflight-cache.ts; it never reaches the final image);
# - the server's Node compile cache, which Node files under its version and the user id and keys by the
#   bundle's path and content, so entries written by the build stage's Node or by root would never be read.
# /app is the user's here so that the caches' folders can be made. Exec form: the image has no shell.
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS caches
COPY --from=build --chown=65532:65532 /src/dist/preflight.mjs /src/dist/preflight.main.cjs /src/dist/server.mjs /src/dist/server.main.mjs /app/
COPY --from=build /src/dist/train-preflight-cache.mjs /build/
USER 65532:65532
RUN ["/nodejs/bin/node", "/build/train-preflight-cache.mjs", "/app/preflight.mjs"]
RUN ["/nodejs/bin/node", "/app/server.mjs", "--help"]

FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /src/dist/preflight.mjs /src/dist/preflight.main.cjs /src/dist/preflight.main.cjs.LEGAL.txt /app/
COPY --from=build /src/dist/server.mjs /src/dist/server.main.mjs /src/dist/server.main.mjs.LEGAL.txt /app/
# Owned by root and readable by all, so the non-root user reads the caches and can never rewrite them.
COPY --from=caches --chown=0:0 --chmod=0555 /app/code-cache /app/code-cache
COPY --from=caches --chown=0:0 --chmod=0555 /app/compile-cache /app/compile-cache
USER 65532:65532
ENV NODE_ENV=production
# The preflight, with a young generation of 16 MiB from the start. A preflight allocates about 10 MB as it
# loads the SDKs and runs; from V8's default 1 MiB that took three scavenges (~6 ms by --trace-gc), each
# copying objects that live to the end; 16 MiB holds the whole run. Measured interleaved at 0 ms added
# round trip (60 runs each): 91 -> 87 ms, peak RSS unchanged (66.6 MB: pages are touched only as used).
# Heap sizes are not in V8's flag hash, so Node's code caches (its own and the preflight's) stay usable;
# any other V8 flag would cost ~12 ms of loading Node's modules. Heap flags are not allowed in NODE_OPTIONS.
# The local cluster's image table (src/local-cluster/project-images.ts) and the benchmark run the same.
ENTRYPOINT ["/nodejs/bin/node", "--min-semi-space-size=16", "/app/preflight.mjs"]
