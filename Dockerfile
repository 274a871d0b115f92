# The incident bot's production image. docs/DEPLOY.md explains every choice;
# the short version:
#
#   docker build -t incident-bot .
#   docker run --env-file deploy/.env -p 3000:3000 incident-bot
#
# BASE_IMAGE must provide `node` (24, the current LTS) and, for the build
# stage, `npm`. CI has no registry to pull from and builds its own
# (`local/debian-node`, see .ci/container.sh).
ARG BASE_IMAGE=node:24-bookworm-slim

# ---- build: full install, Prisma client, tsc -> dist/, then prune to production deps
FROM ${BASE_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# build-ca.pem is optional (the glob may match nothing): the CA bundle of a
# TLS-intercepting proxy between this build and the npm registry. It exists in
# this stage only and never reaches the runtime image.
COPY package.json package-lock.json build-ca.pe[m] ./
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN if [ -f build-ca.pem ]; then export NODE_EXTRA_CA_CERTS="$PWD/build-ca.pem"; fi \
 && npm ci --ignore-scripts \
 && rm -f build-ca.pem
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The Prisma client is generated here (npm ci skipped the postinstall that
# would do it before src/ exists) and compiled into dist/generated.
# Pruning omits optional packages too: the Prisma CLI and TypeScript are
# optional peers of @prisma/client, which npm keeps under --omit=dev alone
# (devOptional in the lockfile). The only truly optional ones, pg-cloudflare
# and uglify-js, are not used at runtime.
RUN npm run db:generate && npm run build && npm prune --omit=dev --omit=optional --ignore-scripts

# ---- runtime: node, production dependencies, dist/, default playbook and templates
FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
# A fixed numeric uid (no user database needed in a minimal base; Kubernetes'
# runAsNonRoot can verify it). The passwd line only gives `ps` a name.
RUN echo "incident-bot:x:10001:10001:incident bot:/app:/usr/sbin/nologin" >> /etc/passwd \
 && echo "incident-bot:x:10001:" >> /etc/group \
 && mkdir -p /app/data && chown 10001:10001 /app/data
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    PLAYBOOK_FILE=/app/playbook.yml
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY playbook.yml ./playbook.yml
COPY notices ./notices
USER 10001:10001
EXPOSE 3000
# Liveness only (the process answers HTTP); readiness (/readyz) is for load
# balancers and Kubernetes. No curl in a minimal base: node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs as PID 1 (exec form, no shell, no init): the app handles SIGTERM
# and SIGINT itself (drain, then exit 0) and starts no child processes, so
# there are no zombies to reap. See docs/DEPLOY.md, "PID 1".
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=2", "--enable-source-maps", "dist/cli/start.js"]
