# tuomin: multi-stage build. The runtime image holds the binary and the shipped policy
# examples, runs as a non-root user, and contains no keys: mount the master key file
# (or set TUOMIN_MASTER_KEY from a secret store) at run time.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin tuomin

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin tuomin
COPY --from=build /src/target/release/tuomin /usr/local/bin/tuomin
COPY config /etc/tuomin
USER 10001:10001
WORKDIR /var/lib/tuomin
ENTRYPOINT ["/usr/local/bin/tuomin"]
CMD ["check", "--config", "/etc/tuomin/demo.toml"]
