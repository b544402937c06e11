# syntax=docker/dockerfile:1
# The image of any one of the services, built from the repository root:
#
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=<name> --build-arg PORT=<port> .
#
# SERVICE is the service's folder under services/ (its package is @switchboard/<name>), PORT the
# port it listens on by default (DEFAULT_PORTS in packages/config; docker-compose.yml passes both).
# Installs and builds only that service and the workspace packages it depends on.
FROM node:24.21.0-bookworm-slim AS build
RUN npm install --global --no-audit --no-fund pnpm@10.34.9
# Declared after the pnpm layer, so the five images share it.
ARG SERVICE
ARG PORT
RUN test -n "$SERVICE" || (echo 'build with --build-arg SERVICE=<name>, a folder under services/' >&2 && exit 1) \
 && case "$PORT" in ''|*[!0-9]*) echo 'build with --build-arg PORT=<the port the service listens on>' >&2 && exit 1;; esac
WORKDIR /repo
COPY . .
RUN test -f "services/$SERVICE/package.json" || (echo "SERVICE=$SERVICE: there is no services/$SERVICE/package.json" >&2 && exit 1) \
 && pnpm install --frozen-lockfile --filter "@switchboard/${SERVICE}..." \
 && pnpm --filter "@switchboard/${SERVICE}..." run build \
 && pnpm --filter "@switchboard/${SERVICE}" deploy --legacy --prod /out

FROM node:24.21.0-bookworm-slim
# An ARG ends with its stage: declared again to be seen here.
ARG PORT
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${PORT} GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
WORKDIR /app
COPY --from=build /out ./
# PGlite data when DATABASE_URL is not set. print-spool is where docker-compose.yml mounts the print
# spool's named volume: a fresh volume takes its owner from the image's folder, and would be root's
# (not writable by node) were the folder not in the image. Where nothing is mounted it stays empty.
RUN mkdir -p .data/print-spool && chown -R node:node .data
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The Node.js options of SERVICE_NODE_ARGS (packages/config): a young generation of 8 MB semi-spaces.
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
