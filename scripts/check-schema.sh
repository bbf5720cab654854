#!/usr/bin/env bash
# Fails when crates/postgres/src/schema.rs is not what `diesel print-schema` makes of
# migrations/: it migrates a scratch database on the local PostgreSQL, prints its
# schema as configured by diesel.toml (which applies schema.patch, the edits the
# database cannot express) and compares. The scratch database is dropped however the
# check ends. `--write` replaces schema.rs with the printed schema instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# print-schema's output may change between releases: every machine uses this one.
DIESEL_CLI_VERSION=2.3.14
# The maintenance database, as the integration tests take it.
admin_url=${FOLIO_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
schema=crates/postgres/src/schema.rs

mode=check
case "${1:-}" in
  "") ;;
  --write) mode=write ;;
  *) echo "usage: $0 [--write]" >&2; exit 2 ;;
esac

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* is needed (Debian: apt-get install $*)" >&2
    exit 1
  fi
  echo "installing $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! diesel --version 2>/dev/null | grep -qE "^ *Version: ${DIESEL_CLI_VERSION//./\\.}\$"; then
  # diesel_cli links against libpq.
  if command -v dpkg >/dev/null 2>&1 && ! dpkg -s libpq-dev >/dev/null 2>&1; then
    apt_install libpq-dev
  fi
  echo "installing diesel_cli $DIESEL_CLI_VERSION"
  cargo install diesel_cli --version "$DIESEL_CLI_VERSION" --locked \
    --no-default-features --features postgres
fi
command -v psql >/dev/null 2>&1 || apt_install postgresql-client

# postgres://host/postgres?opts -> postgres://host/<name>?opts
base=${admin_url%%\?*}
options=${admin_url#"$base"}
name="folio_schema_check_$$_${RANDOM}"
scratch_url="${base%/*}/$name$options"

workdir=$(mktemp -d)
cleanup() {
  if [ -n "${created:-}" ]; then
    psql "$admin_url" -v ON_ERROR_STOP=1 -q -c "SET client_min_messages = warning" \
      -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" ||
      echo "warning: could not drop the scratch database $name" >&2
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Set first: a signal during CREATE DATABASE still leaves a database to drop.
created=true
psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\""
# An empty configuration: with diesel.toml, `migration run` would rewrite schema.rs.
touch "$workdir/no-schema-file.toml"
diesel migration run --migration-dir migrations --database-url "$scratch_url" \
  --config-file "$workdir/no-schema-file.toml" >/dev/null
if ! diesel print-schema --database-url "$scratch_url" --config-file diesel.toml \
  >"$workdir/schema.rs"; then
  echo "schema: diesel print-schema failed; if schema.patch no longer applies, a line" >&2
  echo "one of its hunks replaces has changed: update that hunk's '-' line" >&2
  exit 1
fi

if [ "$mode" = write ]; then
  cp "$workdir/schema.rs" "$schema"
  echo "schema: wrote $schema"
elif diff -u --label "$schema" --label "printed from migrations/" "$schema" "$workdir/schema.rs" >&2; then
  echo "schema: ok"
else
  echo "schema: $schema differs from the migrations (see above). Run" >&2
  echo "scripts/check-schema.sh --write; edits the database cannot express belong in" >&2
  echo "crates/postgres/src/schema.patch (see diesel.toml)." >&2
  exit 1
fi
