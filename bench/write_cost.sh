#!/usr/bin/env bash
# What one write costs: comment creation alone against a release build on a fresh
# database, reporting requests/s, latency, and the CPU each process group spent per
# request (Folio, PostgreSQL, Redis). CPU per request moves far less than requests/s
# when the machine is shared, so it is the number to compare between builds. Also
# the WAL PostgreSQL wrote per request (pg_stat_wal: the whole cluster's, so run it
# with nothing else writing), which is what commits wait for on a slow disk.
# Usage: bench/write_cost.sh [BINARY] [env...]   (BENCH_DURATION, BENCH_PORT)
#   e.g. bench/write_cost.sh target/release/folio FOLIO_DB_POOL_SIZE=16
set -euo pipefail
cd "$(dirname "$0")/.."

BINARY=${1:-${CARGO_TARGET_DIR:-target}/release/folio}
shift || true
PORT=${BENCH_PORT:-8182}
DATABASE=folio_write_cost_$PORT
PREFIX="folio-write-cost:$$:"
URL=http://127.0.0.1:$PORT/api
scripts/ensure-services.sh
source bench/require-wrk.sh
[ -x "$BINARY" ] || cargo build --release -p folio

source bench/bench_server.sh
use_fresh_bench_database
start_bench_server "$@"

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
BENCH_TOKEN=$(curl -sf -XPOST "$URL/users" -H 'Content-Type: application/json' \
  -d '{"user":{"username":"writer","email":"writer@example.com","password":"a long bench password 1"}}' \
  | json_field '["user"]["token"]')
export BENCH_TOKEN
SLUG=$(curl -sf -XPOST "$URL/articles" -H 'Content-Type: application/json' -H "Authorization: Token $BENCH_TOKEN" \
  -d '{"article":{"title":"Written under load","description":"d","body":"b","tagList":["bench"]}}' \
  | json_field '["article"]["slug"]')
TARGET="$URL/articles/$SLUG/comments"
COMMENTS="SELECT count(*) FROM comments"
WAL="SELECT wal_bytes::bigint, wal_records, wal_sync FROM pg_stat_wal"
DB_URL="postgres://postgres@127.0.0.1:5432/$DATABASE"

wrk -t2 -c32 -d2s -s bench/comment.lua "$TARGET" >/dev/null
before_cpu=$(python3 bench/cpu_by_process.py "$BINARY")
before_count=$(psql "$DB_URL" -Atc "$COMMENTS")
before_wal=$(psql "$DB_URL" -Atc "$WAL")
wrk -t2 -c32 -d"${BENCH_DURATION:-10s}" --latency -s bench/comment.lua "$TARGET" \
  | grep -E "Requests/sec|^ +(50|99)%"
sleep 2 # the relay and the consumers finish their share of the work measured
after_cpu=$(python3 bench/cpu_by_process.py "$BINARY")
after_count=$(psql "$DB_URL" -Atc "$COMMENTS")
after_wal=$(psql "$DB_URL" -Atc "$WAL")
python3 - "$before_cpu" "$after_cpu" "$((after_count - before_count))" "$before_wal" "$after_wal" <<'PY'
import json, sys
before, after, writes = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
costs = {group: round((after[group] - before[group]) * 1e6 / writes) for group in before}
print(f"writes: {writes}; CPU µs per write: " + ", ".join(f"{g} {c}" for g, c in costs.items())
      + f"; total {sum(costs.values())}")
wal_before, wal_after = (list(map(int, row.split("|"))) for row in sys.argv[4:6])
(wal_bytes, records, syncs) = (a - b for a, b in zip(wal_after, wal_before))
print(f"WAL per write: {wal_bytes / writes:.0f} bytes, {records / writes:.2f} records, "
      f"{syncs / writes:.2f} syncs")
PY
