# tuomin: multi-stage build. The runtime image holds the binary and the shipped policy
# examples, runs as a non-root user, and contains no keys (.dockerignore keeps *.key,
# *.pem and .tuomin out of the build context): mount the master key file and the policy
# (or set TUOMIN_MASTER_KEY from a secret store) at run time. Kubernetes example:
# deploy/kubernetes/tuomin.yaml.
#
#   docker build -t tuomin:0.1.0 .
#   docker run --rm -v "$PWD/prod:/etc/tuomin:ro" -p 5432:5432 -p 8443:8443 tuomin:0.1.0 \
#       serve --config /etc/tuomin/policy.toml --log-format json

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
# PostgreSQL gateway, HTTP gateway, admin listener (metrics, health, reload): as the
# policy's [postgres], [http] and [admin] sections say; these are the usual choices.
EXPOSE 5432 8443 9090
ENTRYPOINT ["/usr/local/bin/tuomin"]
CMD ["check", "--config", "/etc/tuomin/demo.toml"]
