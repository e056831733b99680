# ricloud-mock as a container image: a CI service (GitHub Actions / GitLab CI `services:`) or a local test double.
# Build: docker build -t ricloud-mock .   Run: docker run --rm -p 8787:8787 ricloud-mock
# Configured wholly by environment variables (docs/container.md lists every one the image honours).

# --- build: every dependency, then the bundle (dist/*.js), then only the production dependencies are kept ---
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ls` fails the step when npm ci left the tree incomplete: npm 10 can exit 0 after a network failure
# ("Exit handler never called!"), and a broken layer would then be cached.
RUN npm ci --no-audit --no-fund --loglevel=warn && npm ls --depth=0 > /dev/null
COPY . .
# The bundle alone (--js-only): the image runs dist/main.js and needs no type declarations.
RUN node scripts/build.mjs --js-only \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=warn

# --- the image: node, the bundle, the spec and scenarios it reads, production dependencies; no npm at run time ---
FROM node:20-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/openapi/*.yaml /app/openapi/*.json ./openapi/
COPY --from=build /app/fixtures/scenarios ./fixtures/scenarios
# /data holds local:// results, state files and the data-dir lock; the unprivileged user owns it.
RUN mkdir /data && chown 1000:1000 /data
# All interfaces: a published port and a service network reach the mock from outside the container. Host names
# besides localhost and IP literals (a service alias) need RICLOUD_MOCK_ALLOWED_HOSTS or RICLOUD_MOCK_PUBLIC_URL.
ENV HOST=0.0.0.0 \
    PORT=8787 \
    RICLOUD_MOCK_DATA_DIR=/data
# The `node` user of node:20-slim, by number so that runAsNonRoot-style checks can verify it.
USER 1000:1000
EXPOSE 8787
# No curl in node:20-slim: node asks the health endpoint itself (on the port the server uses).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/_mock/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 (no shell, no npm): SIGTERM reaches the server, which closes its socket, saves a state file if
# one is configured, and exits 0.
CMD ["node", "dist/main.js", "serve"]
