# syntax=docker/dockerfile:1
# Switchyard gateway image: `docker build -t switchyard .`
# Config: mount a file over /etc/switchyard/switchyard.config.yaml (the baked-in one
# serves the mock provider); secrets and URLs come from the environment
# (SWITCHYARD_MASTER_KEY, DATABASE_URL, REDIS_URL, OPENAI_API_KEY, …).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript and the native SQLite module ----
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY plugins ./plugins
COPY examples ./examples
RUN npm ci --no-audit --no-fund
RUN npm run build
# Production dependencies only in what is copied on.
RUN npm prune --omit=dev --no-audit --no-fund

# ---- run: only what the gateway needs, as a non-root user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/packages ./packages
COPY --from=build --chown=node:node /app/plugins ./plugins
COPY deploy/switchyard.config.yaml /etc/switchyard/switchyard.config.yaml
RUN mkdir -p /var/lib/switchyard && chown node:node /var/lib/switchyard
USER node
VOLUME ["/var/lib/switchyard"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# switchyard start drains requests and streams in flight on SIGTERM, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/cli/dist/bin.js"]
CMD ["start", "--config", "/etc/switchyard/switchyard.config.yaml"]
