# One image for every Hiregraph process; docker-compose.yml picks the entry point per service.
# The embedded MongoDB package (packages/embedded-mongo) is a dev dependency: only its package.json
# enters the image, for npm to read the lockfile; production connects to MONGODB_URI.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/embedded-mongo/package.json ./packages/embedded-mongo/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY subgraphs ./subgraphs
COPY gateway ./gateway
COPY scripts ./scripts
COPY schema ./schema
RUN npm run build

# Production dependencies only; --no-workspaces leaves the embedded server (and mingo) out.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/embedded-mongo/package.json ./packages/embedded-mongo/
RUN npm ci --omit=dev --no-workspaces --no-audit --no-fund

FROM node:20.20.2-bookworm-slim
# The build emits source maps (tsconfig.build.json): stack traces in logs then name the .ts lines.
ENV NODE_ENV=production BIND_HOST=0.0.0.0 NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
COPY package.json ./
USER node
CMD ["node", "dist/gateway/index.js"]
