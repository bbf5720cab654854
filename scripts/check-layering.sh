#!/usr/bin/env bash
# Enforces the dependency rule of docs/architecture.md: dependencies point inward,
# SQL lives only in persistence, HTTP types only in the two adapters.
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
db="diesel deadpool tokio-postgres postgres-types postgres-protocol redis"

forbid_deps folio-domain $web $db tokio serde serde_json
forbid_deps folio-application $web $db serde_json
forbid_deps folio-persistence $web
forbid_deps folio-http $db
forbid_deps folio-ws $db

# Source-level checks catch what the dependency tree cannot (e.g. raw SQL strings).
sql='\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|DATABASE|INDEX))\b|sql_query|diesel::'
for crate in domain application http-adapter ws-adapter server; do
  if grep -rnE "$sql" "crates/$crate/src" >/dev/null; then
    grep -rnE "$sql" "crates/$crate/src" >&2
    fail "SQL outside crates/persistence (in crates/$crate/src)"
  fi
done
for crate in domain application persistence; do
  if grep -rnE '\b(actix_web|actix_http|HttpRequest|HttpResponse)\b' "crates/$crate/src" >/dev/null; then
    fail "HTTP types outside the adapters (in crates/$crate/src)"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "layering: $failures violation(s)" >&2
  exit 1
fi
echo "layering: ok"
