# syntax=docker/dockerfile:1
# oauth2-sidecar: a drop-in for quay.io/oauth2-proxy/oauth2-proxy. Same flags, env, cfg file and
# port; run it with the same container args (e.g. --config=/etc/oauth2-proxy/oauth2_proxy.cfg).

ARG NODE_VERSION=20.20

# Compile TypeScript with the dev dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json --outDir /out && test -f /out/src/main.js

# Production dependencies only (no install scripts: none of them needs one).
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Run: no shell, no package manager, non-root. node is PID 1 and handles SIGTERM itself (drains
# in-flight requests for up to 20 s, then exits 0), so no init process is needed.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
# MALLOC_ARENA_MAX: glibc keeps one malloc arena per thread that allocated (V8's and libuv's helper
# threads); two arenas return freed native memory better under churn (many distinct sessions).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=48 --max-semi-space-size=4" \
    MALLOC_ARENA_MAX=2
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/src ./dist/src
COPY package.json ./
COPY bin ./bin
USER 65532:65532
EXPOSE 4180
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/oauth2-sidecar.js"]
