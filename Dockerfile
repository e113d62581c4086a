# syntax=docker/dockerfile:1
# The hook server, and the LiveConnect sidecar (`node dist/hooks/sidecar/main.js`), in one
# image: TypeScript built in one stage, production dependencies installed in another. Both
# run on the build machine's own platform: their output is JavaScript, and no production
# dependency builds native code (test/unit/image.test.ts checks it), so a multi-platform
# build (.github/workflows/release.yaml) runs no step under emulation.
# Node.js 20, as package.json's engines (>=20.18.1); `npm run test:image` repeats these steps.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY hooks ./hooks
COPY schemas ./schemas
RUN npm run build

FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
# Matches the Deployment's runAsUser; the root filesystem can stay read-only.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "dist/hooks/main.js"]
