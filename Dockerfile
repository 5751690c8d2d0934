# officehours container image: a build stage with the Rust toolchain, and a small Debian
# runtime stage that holds only the binary and the CA certificates it needs.
#
#   docker build -t officehours .
#   docker run -d --name officehours -p 3000:3000 --env-file .env \
#     -v officehours-data:/data --stop-timeout 60 officehours
#
# docs/deploy.md is the operator's guide (volumes, backups, PostgreSQL replicas, upgrades).

# Build and runtime use the same Debian release, so the binary links against the glibc it
# was built with. Tags are pinned, never `latest`; bump them together on purpose.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build

# The slim image already has what the build needs beyond cargo: gcc and libc6-dev for the
# C parts (ring, and the SQLite that sqlx bundles). No OpenSSL: TLS is rustls.
WORKDIR /src

# Dependencies first, in their own layer: as long as Cargo.toml and Cargo.lock do not
# change, a rebuild after editing src/ reuses the compiled dependencies. The empty lib and
# main only exist so cargo has targets to build; they are thrown away right after.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources. migrations/ is needed at compile time: sqlx::migrate! embeds the SQL
# in the binary, so the image carries no migration files of its own.
COPY src ./src
COPY migrations ./migrations
# COPY keeps the files' original modification times, which can be older than the dummy
# build above; touching the crate roots makes cargo rebuild officehours itself instead of
# shipping the empty main.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/officehours /usr/local/bin/officehours \
    && /usr/local/bin/officehours --version

# ---------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# ca-certificates: the bot checks Slack's TLS certificate against the system roots
# (hyper-rustls with rustls-native-certs); without them every Web API call fails.
# Not version-pinned (hadolint DL3008): Debian removes superseded versions from its
# mirrors, so a pin would break the build at the next point release, and for a CA bundle
# the newest in the pinned Debian release is what we want. --no-install-recommends keeps
# the layer to that one package; the apt lists are removed in the same layer.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user. The UID/GID are fixed so a bind-mounted /data can be
# prepared on the host (chown 10001:10001) and so runAsUser in Kubernetes can name them.
ARG APP_UID=10001
ARG APP_GID=10001
RUN groupadd --system --gid "${APP_GID}" officehours \
    && useradd --system --uid "${APP_UID}" --gid officehours \
        --home-dir /data --no-create-home --shell /usr/sbin/nologin officehours \
    && mkdir -p /data \
    && chown officehours:officehours /data

COPY --from=build /usr/local/bin/officehours /usr/local/bin/officehours

# /data holds the SQLite database (and its -wal and -shm files) when no PostgreSQL URL is
# given. It is also the working directory, so a .env placed there is read at start
# (variables set on the container take precedence over it).
WORKDIR /data
VOLUME ["/data"]

# Defaults for a container; override any with -e. An absolute SQLite path keeps the
# database in the volume whatever the working directory. Listening on all interfaces is
# what a container port mapping needs; the address is also what `check --local` probes.
# NO_COLOR: text logs would otherwise carry ANSI colour codes into `docker logs` even
# though stderr is not a terminal (LOG_FORMAT=json is the other way out).
ENV DATABASE_URL=sqlite:///data/officehours.db \
    LISTEN_ADDR=0.0.0.0:3000 \
    NO_COLOR=1

EXPOSE 3000

USER ${APP_UID}:${APP_GID}

# A health check without curl or wget in the image: the binary asks its own /readyz on
# LISTEN_ADDR (0.0.0.0 becomes 127.0.0.1), so "unhealthy" means the server or its database
# does not answer. `--local` makes no Slack call; plain `officehours check` also calls
# Slack's auth.test, which is right for a one-off check but rude every 30 seconds. The
# check gives up after 5 s on its own and says why, hence Docker's longer timeout. The
# start period leaves room for migrations, which run before the port opens.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["officehours", "check", "--local"]

# Exec form: officehours is PID 1 and gets SIGTERM from `docker stop` directly. It then
# finishes in-flight reminder deliveries and hands back its claims, which can take longer
# than Docker's default 10 s grace period: give it more (--stop-timeout, stop_grace_period).
ENTRYPOINT ["officehours"]
CMD ["serve"]
