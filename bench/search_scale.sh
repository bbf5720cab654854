#!/usr/bin/env bash
# How the cost of an uncached search grows with the corpus: a release build with the
# content cache off, on a fresh database grown in bulk (bulk_seed.sql) to each size in
# turn, the searches of `make bench` at each (search_scale.py).
# Usage: bench/search_scale.sh [BINARY]   (SEARCH_SCALE_SIZES="5000 20000 100000",
# SEARCH_SCALE_CONNECTIONS="1 4", BENCH_DURATION, BENCH_PORT)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-services.sh
source bench/require-wrk.sh
BINARY=${1:-${CARGO_TARGET_DIR:-target}/release/folio}
[ -n "${1:-}" ] || cargo build --release -p folio
PORT=${BENCH_PORT:-8183}
DATABASE=folio_search_scale
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DATABASE"
PREFIX="folio-search-scale:$$:"
ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DATABASE" >/dev/null

env DATABASE_URL="$DATABASE_URL" REDIS_URL=redis://127.0.0.1:6379 FOLIO_REDIS_PREFIX="$PREFIX" \
  FOLIO_BIND="127.0.0.1:$PORT" FOLIO_LOG=error FOLIO_RATE_LIMITS=off FOLIO_CACHE=off \
  "$BINARY" serve &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DATABASE" >/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.2; done

echo "Folio $(git rev-parse --short HEAD), $(nproc) cores, cache off, wrk -d${BENCH_DURATION:-6s} per row"
echo
echo "| articles | search | connections | requests/s | p50 ms | p99 ms | errors |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for size in ${SEARCH_SCALE_SIZES:-5000 20000 100000}; do
  psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -v target="$size" -f bench/bulk_seed.sql >/dev/null
  psql "$DATABASE_URL" -qc "VACUUM ANALYZE" >/dev/null
  psql "$DATABASE_URL" -qc "CHECKPOINT" >/dev/null
  python3 bench/search_scale.py "http://127.0.0.1:$PORT" "$size"
done
