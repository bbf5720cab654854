#!/usr/bin/env bash
# Enforces the dependency rule of docs/architecture.md: dependencies point inward,
# each storage adapter uses one technology and knows no other adapter, SQL lives
# only in the PostgreSQL adapter, HTTP types only in the two web adapters.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() { echo "layering: $*" >&2; failures=$((failures + 1)); }

# Crates that must not appear in a package's normal dependency tree. Each entry is
# a name prefix, so `actix` also catches actix-web, actix-http, actix-rt, ...
forbid_deps() {
  local package=$1; shift
  local tree
  tree=$(cargo tree --offline -p "$package" -e normal --prefix none --format '{p}' 2>/dev/null ||
         cargo tree -p "$package" -e normal --prefix none --format '{p}')
  local names
  names=$(awk '{print $1}' <<<"$tree" | sort -u)
  local pattern
  pattern=$(printf '%s|' "$@")
  while read -r crate; do
    [ -n "$crate" ] && fail "$package must not depend on $crate"
  done < <(grep -E "^(${pattern%|})([-_].*)?$" <<<"$names" || true)
}

web="actix awc hyper axum"
postgres="diesel deadpool tokio-postgres postgres-types postgres-protocol"
redis="redis"
db="$postgres $redis"
# Our own crates: only the server may depend on these.
web_adapters="folio-http folio-ws"
adapters="folio-postgres folio-redis folio-security folio-storage folio-s3 folio-images"

# The adapters other than $1: an adapter never knows another one.
other_adapters() {
  local adapter
  for adapter in $adapters; do
    if [ "$adapter" != "$1" ]; then echo "$adapter"; fi
  done
}

forbid_deps folio-domain $web $db $web_adapters $adapters tokio serde serde_json
forbid_deps folio-application $web $db $web_adapters $adapters serde_json
forbid_deps folio-postgres $web $web_adapters $(other_adapters folio-postgres) $redis
forbid_deps folio-redis $web $web_adapters $(other_adapters folio-redis) $postgres
forbid_deps folio-security $web $web_adapters $(other_adapters folio-security) $db
forbid_deps folio-storage $web $web_adapters $(other_adapters folio-storage) $db
# S3 is spoken over HTTP: its client (reqwest, hyper) is the technology, a server is not.
forbid_deps folio-s3 actix awc axum $web_adapters $(other_adapters folio-s3) $db
forbid_deps folio-blob-contract $web $web_adapters $adapters $db
forbid_deps folio-images $web $web_adapters $(other_adapters folio-images) $db
forbid_deps folio-http $db $adapters
forbid_deps folio-ws $db $adapters

# Source-level checks catch what the dependency tree cannot (e.g. raw SQL strings).
sql='\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|DATABASE|INDEX))\b|sql_query|diesel::'
for crate in domain application redis security storage s3 blob-contract images http-adapter ws-adapter server; do
  if grep -rnE "$sql" "crates/$crate/src" >/dev/null; then
    grep -rnE "$sql" "crates/$crate/src" >&2
    fail "SQL outside crates/postgres (in crates/$crate/src)"
  fi
done
for crate in domain application postgres redis security storage s3 blob-contract images; do
  if grep -rnE '\b(actix_web|actix_http|HttpRequest|HttpResponse)\b' "crates/$crate/src" >/dev/null; then
    fail "HTTP types outside the adapters (in crates/$crate/src)"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "layering: $failures violation(s)" >&2
  exit 1
fi
echo "layering: ok"
