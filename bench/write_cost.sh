#!/usr/bin/env bash
# What one write costs: comment creation alone against a release build on a fresh
# database, reporting requests/s, latency, and the CPU each process group spent per
# request (Folio, PostgreSQL, Redis). CPU per request moves far less than requests/s
# when the machine is shared, so it is the number to compare between builds.
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
DB_URL="postgres://postgres@127.0.0.1:5432/$DATABASE"

wrk -t2 -c32 -d2s -s bench/comment.lua "$TARGET" >/dev/null
before_cpu=$(python3 bench/cpu_by_process.py "$BINARY")
before_count=$(psql "$DB_URL" -Atc "$COMMENTS")
wrk -t2 -c32 -d"${BENCH_DURATION:-10s}" --latency -s bench/comment.lua "$TARGET" \
  | grep -E "Requests/sec|^ +(50|99)%"
sleep 2 # the relay and the consumers finish their share of the work measured
after_cpu=$(python3 bench/cpu_by_process.py "$BINARY")
after_count=$(psql "$DB_URL" -Atc "$COMMENTS")
python3 - "$before_cpu" "$after_cpu" "$((after_count - before_count))" <<'PY'
import json, sys
before, after, writes = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
costs = {group: round((after[group] - before[group]) * 1e6 / writes) for group in before}
print(f"writes: {writes}; CPU µs per write: " + ", ".join(f"{g} {c}" for g, c in costs.items())
      + f"; total {sum(costs.values())}")
PY
