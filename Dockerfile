# Inbox Webhooks container image: the single compiled executable on a minimal glibc base, running as
# a non-root user, with its LMDB data directory on a volume at /data.
#
#   docker build -t inbox-webhooks .
#   docker run -p 3000:3000 -v inbox-data:/data inbox-webhooks
#
# The first start prints the generated admin key and the default account's API key once (docker logs).

# The Bun version is pinned once, in package.json ("packageManager": "bun@<version>"). FROM cannot read
# that file, so the default below repeats it; the build stops if the two differ, and so does
# test/binary/dockerfile.binary.ts in CI.
ARG BUN_VERSION=1.4.5

# --- build: install from the lockfile and compile dist/inbox-webhooks for the builder's architecture ---
FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
# Fixes to dependencies, applied by bun install (package.json "patchedDependencies").
COPY patches ./patches
RUN bun -e 'const want = /^bun@(.+)$/.exec(require("./package.json").packageManager ?? "")?.[1]; \
      if (Bun.version !== want) { \
        console.error(`Bun ${Bun.version} in the image, but package.json pins ${want}: build with --build-arg BUN_VERSION=${want}`); \
        process.exit(1); \
      }'
RUN bun install --frozen-lockfile
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN bun run build \
 && ./dist/inbox-webhooks --version \
 && mkdir -p /out/data

# --- runtime: glibc, libstdc++ (for LMDB's native addon) and nothing else ---
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/inbox-webhooks /inbox-webhooks
# The data directory belongs to the non-root user (uid 65532) so that a fresh named volume does too.
COPY --from=build --chown=65532:65532 /out/data /data
ENV INBOX_DATA_DIR=/data \
    INBOX_HOST=0.0.0.0 \
    INBOX_PORT=3000
VOLUME /data
EXPOSE 3000
USER nonroot
# The executable probes its own GET /health (port from INBOX_PORT); no shell or curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/inbox-webhooks", "healthcheck"]
ENTRYPOINT ["/inbox-webhooks"]
