# syntax=docker/dockerfile:1
# The hook server: TypeScript built in one stage, run with production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY hooks ./hooks
COPY schemas ./schemas
RUN npm run build

FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Matches the Deployment's runAsUser; the root filesystem can stay read-only.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "dist/hooks/main.js"]
