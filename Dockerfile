# syntax=docker/dockerfile:1

# ---- build ------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Registry, git checkouts and target/ live in BuildKit cache mounts, so rebuilds
# after a source change recompile only the workspace crates. The binary is copied
# out of the cache mount in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release -p folio --locked \
 && install -m 0755 target/release/folio /usr/local/bin/folio

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 folio \
 && useradd --system --uid 10001 --gid folio --no-create-home --shell /usr/sbin/nologin folio \
 && install -d -o folio -g folio /var/lib/folio/uploads
COPY --from=build /usr/local/bin/folio /usr/local/bin/folio
USER folio:folio
# Inside a container the server must listen on all interfaces to be reachable.
ENV FOLIO_BIND=0.0.0.0:8080 \
    FOLIO_LOG_FORMAT=json \
    FOLIO_STORAGE_DIR=/var/lib/folio/uploads
EXPOSE 8080
ENTRYPOINT ["folio"]
CMD ["serve"]
