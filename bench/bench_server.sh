# Sourced by the bench scripts: the server under test on a fresh database and Redis
# prefix, with rate limits off (a load generator is one client address).
# Set BINARY, PORT, DATABASE and PREFIX; then `use_fresh_bench_database` (drops
# what a previous run left and cleans up on exit: server, Redis keys, database
# unless BENCH_KEEP is set, and `after_bench_server` if the script defines it) and
# `start_bench_server [NAME=VALUE...]` (its pid in SERVER) as often as needed.
ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
SERVER=

use_fresh_bench_database() {
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DATABASE" >/dev/null 2>&1
  trap clean_up_bench EXIT
}

start_bench_server() {
  env DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DATABASE" REDIS_URL=redis://127.0.0.1:6379 \
    FOLIO_REDIS_PREFIX="$PREFIX" FOLIO_BIND="127.0.0.1:$PORT" FOLIO_LOG=warn FOLIO_RATE_LIMITS=off \
    "$@" "$BINARY" serve &
  SERVER=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && return 0
    sleep 0.1
  done
  echo "bench: the server did not start" >&2
  exit 1
}

# Stops the server with the signal given (TERM by default) and waits for it.
stop_bench_server() {
  [ -n "$SERVER" ] || return 0
  kill "-${1:-TERM}" "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}

clean_up_bench() {
  stop_bench_server
  redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null
  if [ -z "${BENCH_KEEP:-}" ]; then
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DATABASE" >/dev/null 2>&1
  fi
  if declare -F after_bench_server >/dev/null; then after_bench_server; fi
}
