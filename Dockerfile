# syntax=docker/dockerfile:1
# The spirl-keywrap image: two esbuild bundles on a distroless Node 24, `spirl-keywrap preflight` (the
# entrypoint: init container and hook Job) and `spirl-keywrap server` (/app/server.mjs: the chart's
# Deployment sets it as the command), each carrying only what its command needs.
# No shell, no package manager, no node_modules in the final image; runs as a non-root user and needs
# nothing writable, so it fits readOnlyRootFilesystem: true.
#   docker build -t ghcr.io/spirl/spirl-keywrap:0.1.0 .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies are needed to bundle (esbuild); none of them reach the final image.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-preflight.ts ./scripts/
COPY src ./src
# Only the bundles: the validate snapshot (npm run build) is a developer speed-up, tied to one Node binary.
RUN npm run build:bundles

FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /src/dist/preflight.mjs /src/dist/preflight.mjs.LEGAL.txt /app/
COPY --from=build /src/dist/server.mjs /src/dist/server.mjs.LEGAL.txt /app/
USER 65532:65532
ENV NODE_ENV=production
ENTRYPOINT ["/nodejs/bin/node", "/app/preflight.mjs"]
