# seatsync container: `docker build -t seatsync .`
# CI builds it with podman and runs it read-only against PostgreSQL and Redis: .ci/container-check.sh.

# ---- build: compile TypeScript to dist/ and the admin console to dist/web/, with every dependency ----
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY src src
COPY jobs jobs
COPY web web
RUN npm run build

# ---- runtime: production dependencies and compiled code only, as a non-root user ----
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    SEATSYNC_CONFIG=/etc/seatsync/seatsync.yaml
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin bin
COPY --from=build /src/dist dist
COPY config/example.yaml /etc/seatsync/seatsync.example.yaml
# The working directory is where a relative `dataDir` (the embedded database) ends up; mount a volume
# there, or use PostgreSQL (database.url).
RUN mkdir -p /var/lib/seatsync && chown 1000:1000 /var/lib/seatsync
WORKDIR /var/lib/seatsync
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 8080
# Node-based (the slim image has no curl). SEATSYNC_HEALTH_URL when http.port is not 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", "fetch(process.env.SEATSYNC_HEALTH_URL || 'http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/seatsync.js"]
CMD ["run"]
