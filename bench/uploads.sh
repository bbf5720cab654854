#!/usr/bin/env bash
# Uploads and file delivery: a release build on a fresh database, Redis prefix and
# storage directory, rate limits off; bench/uploads.py posts distinct PNGs with wrk,
# times the variant jobs, then reads one upload's files (see docs/performance.md,
# "Uploads and file delivery").
# Usage: bench/uploads.sh [BINARY]   (BENCH_DURATION, BENCH_CONNECTIONS,
#   BENCH_UPLOAD_CONNECTIONS, BENCH_UPLOADERS, BENCH_UPLOAD_BODIES, BENCH_UPLOAD_SIDE;
#   BENCH_PORT=8184)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-services.sh
source bench/require-wrk.sh

TARGET=${CARGO_TARGET_DIR:-target}
BINARY=${1:-$TARGET/release/folio}
[ -x "$BINARY" ] || { cargo build --release -p folio; BINARY=$TARGET/release/folio; }
PORT=${BENCH_PORT:-8184}
DATABASE=folio_uploads_bench_$PORT
PREFIX="folio-uploads-bench:$$:"
STORAGE=$(mktemp -d)
after_bench_server() { rm -rf "$STORAGE"; }
source bench/bench_server.sh
use_fresh_bench_database
start_bench_server FOLIO_STORAGE_DIR="$STORAGE"

LABEL="Folio $(git rev-parse --short HEAD), $(nproc) cores"
BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DATABASE" \
  python3 bench/uploads.py "http://127.0.0.1:$PORT" "$LABEL"
echo
echo "peak server memory (VmHWM): $(grep VmHWM "/proc/$SERVER/status" | awk '{print $2, $3}')"
