# Folio: `make run` serves the API on :8080, `make test` runs every check CI runs.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test services test-services build lint fmt layering schema unit-and-integration bench

services:
	@scripts/ensure-services.sh

# The tests also need a local S3 server (moto) for the S3 adapter.
test-services: services
	@scripts/ensure-s3.sh

run: services
	$(CARGO) run -p folio -- serve

build:
	$(CARGO) build --workspace --all-targets

# nextest runs every test in its own process: the metrics tests count exactly.
unit-and-integration: test-services
	@$(CARGO) nextest --version >/dev/null 2>&1 || $(CARGO) install --locked cargo-nextest
	$(CARGO) nextest run --workspace --no-fail-fast

layering:
	scripts/check-layering.sh

# schema.rs against a scratch database migrated from migrations/ (installs diesel_cli).
schema: services
	scripts/check-schema.sh

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all --check

test: unit-and-integration schema layering lint fmt

# Release build, fresh database, seeded dataset, wrk per scenario (see bench/);
# then uploads and file delivery (bench/uploads.sh) and 10,000 sockets of realtime
# load (bench/ws_load.sh).
bench: services
	bench/run.sh
	bench/uploads.sh
	bench/ws_load.sh
