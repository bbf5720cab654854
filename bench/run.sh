#!/usr/bin/env bash
# Benchmarks a release build of Folio on a fresh database: seeds a realistic dataset
# through the public API, then measures each scenario with wrk (see scenarios.py).
# Usage: make bench   (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS to tune;
# BENCH_KEEP=1 keeps the seeded database; BENCH_ONLY=<name>,... runs only the named
# parts of scenarios.py: "table" and/or "abusive reads"; BENCH_BINARY=<path> measures
# that build instead of building this checkout, e.g. to compare two commits)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-services.sh
source bench/require-wrk.sh

if [ -n "${BENCH_BINARY:-}" ]; then
  BINARY=$BENCH_BINARY
else
  cargo build --release -p folio
  BINARY="${CARGO_TARGET_DIR:-target}/release/folio"
fi
PORT=${BENCH_PORT:-8181}
DATABASE=folio_bench
PREFIX="folio-bench:$$:"
source bench/bench_server.sh
use_fresh_bench_database

start_bench_server
echo "seeding (100 users, 5000 articles, follows, favorites, comments, a thread of 3000 long comments)..."
SEED=$(python3 bench/seed.py "http://127.0.0.1:$PORT/api/v1")
echo "$SEED"
psql "postgres://postgres@127.0.0.1:5432/$DATABASE" -qc "VACUUM ANALYZE" >/dev/null
# Write out what seeding dirtied now, not in a checkpoint in the middle of a scenario.
psql "postgres://postgres@127.0.0.1:5432/$DATABASE" -qc "CHECKPOINT" >/dev/null

# A prebuilt binary may come from another commit than this checkout.
LABEL="Folio ${BENCH_BINARY:-$(git rev-parse --short HEAD)}, $(nproc) cores"
python3 bench/scenarios.py "http://127.0.0.1:$PORT" "$SEED" "$LABEL, cache on"
echo
echo "peak server memory (VmHWM), cache on: $(grep VmHWM "/proc/$SERVER/status" | awk '{print $2, $3}')"

stop_bench_server
# What the first run wrote (comments, outbox rows, search records) is vacuumed and
# flushed now, not in the middle of the second run's scenarios.
psql "postgres://postgres@127.0.0.1:5432/$DATABASE" -qc "VACUUM ANALYZE" >/dev/null
psql "postgres://postgres@127.0.0.1:5432/$DATABASE" -qc "CHECKPOINT" >/dev/null
start_bench_server FOLIO_CACHE=off
python3 bench/scenarios.py "http://127.0.0.1:$PORT" "$SEED" "$LABEL, cache off"
echo
echo "peak server memory (VmHWM), cache off: $(grep VmHWM "/proc/$SERVER/status" | awk '{print $2, $3}')"
