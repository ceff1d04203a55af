# One image for every role: ROLES=web serves HTTP, ROLES=workers runs the background workers.
# Native modules (better-sqlite3, @node-rs/jieba, sharp) ship linux-x64 glibc builds: keep a Debian base.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schemas ./schemas
COPY server ./server
COPY workers ./workers
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Demo data is read from the source tree at run time (server/demo), next to the compiled code.
COPY --from=build /app/server/demo ./server/demo
RUN mkdir -p /data/media && chown -R node:node /data
USER node
EXPOSE 3000
# Every role answers /healthz (workers-only processes listen for health checks alone).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server/main.js"]
