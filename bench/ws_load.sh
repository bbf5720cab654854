#!/usr/bin/env bash
# Realtime load: a release build on a fresh database, WS_LOAD_SOCKETS authenticated
# sockets (half on one hot article, the rest over 1,000 articles) opened by
# folio-ws-load, comments posted at WS_LOAD_RATE per second for WS_LOAD_DURATION
# seconds; reports delivery latency, deliveries missed or repeated, the server's
# memory before and with the sockets open, and, after the server is restarted, how
# long all sockets take to reconnect and resume.
# Usage: bench/ws_load.sh [BINARY]   (WS_LOAD_SOCKETS=10000, WS_LOAD_RATE=10,
#   WS_LOAD_DURATION=30, WS_LOAD_SIGNAL=TERM (how the server is stopped for the
#   restart; KILL for a crash), BENCH_PORT=8183; extra generator options in
#   WS_LOAD_ARGS, e.g. "--hot-share 1"; WS_LOADER=path of a folio-ws-load already built)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${CARGO_TARGET_DIR:-target}
BINARY=${1:-$TARGET/release/folio}
LOADER=${WS_LOADER:-$(dirname "$BINARY")/folio-ws-load}
SOCKETS=${WS_LOAD_SOCKETS:-10000}
PORT=${BENCH_PORT:-8183}
DATABASE=folio_ws_load_$PORT
PREFIX="folio-ws-load:$$:"
SIGNAL=${WS_LOAD_SIGNAL:-TERM}

scripts/ensure-services.sh
[ -x "$BINARY" ] || cargo build --release -p folio
if [ ! -x "$LOADER" ]; then
  cargo build --release -p folio-ws-load
  LOADER=$TARGET/release/folio-ws-load
fi

# Each socket is a descriptor in the server and one in the generator.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((SOCKETS + 1000)) ]; then
  echo "ws_load: open files limited to $(ulimit -n); $SOCKETS sockets need more" >&2
  exit 1
fi

source bench/bench_server.sh
use_fresh_bench_database
start_server() { start_bench_server FOLIO_LOG=error; }

memory() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$SERVER/status"; }
cpu() { python3 bench/cpu_by_process.py "$BINARY"; }
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

start_server
# shellcheck disable=SC2086 # WS_LOAD_ARGS is a list of options
coproc LOAD {
  exec "$LOADER" --url "http://127.0.0.1:$PORT" --sockets "$SOCKETS" \
    --rate "${WS_LOAD_RATE:-10}" --duration "${WS_LOAD_DURATION:-30}" \
    --restart-wait 300 --pause-at-phases ${WS_LOAD_ARGS:-}
}
# The coprocess's descriptors and pid go when it exits; keep copies.
LOADER_PID=$LOAD_PID
exec {FROM_LOAD}<&"${LOAD[0]}" {TO_LOAD}>&"${LOAD[1]}"

RESULT=
while read -r line <&"$FROM_LOAD"; do
  case "$line" in
    "phase seeded")
      # Seeding hashed a thousand passwords; a fresh process is the baseline.
      stop_bench_server
      start_server
      sleep 1
      RSS_BEFORE=$(memory VmRSS)
      echo go >&"$TO_LOAD" ;;
    "phase connected")
      RSS_OPEN=$(memory VmRSS)
      CPU_BEFORE=$(cpu); LOADER_CPU_BEFORE=$(cpu_of "$LOADER_PID")
      echo go >&"$TO_LOAD" ;;
    "phase loaded")
      CPU_AFTER=$(cpu); LOADER_CPU_AFTER=$(cpu_of "$LOADER_PID")
      RSS_LOADED=$(memory VmRSS); HWM_LOADED=$(memory VmHWM)
      echo go >&"$TO_LOAD" ;;
    "phase restart")
      stopping=$(date +%s.%N)
      stop_bench_server "$SIGNAL"
      start_server
      DOWN_SECONDS=$(awk "BEGIN {printf \"%.2f\", $(date +%s.%N) - $stopping}") ;;
    "phase resumed")
      RSS_RESUMED=$(memory VmRSS)
      echo go >&"$TO_LOAD" ;;
    result\ *)
      RESULT=${line#result } ;;
    *) echo "$line" ;;
  esac
done
wait "$LOADER_PID" || { echo "ws_load: the generator failed" >&2; exit 1; }

python3 - "$RESULT" <<PY
import json, sys
r = json.loads(sys.argv[1])
before, opened, loaded, hwm, resumed = $RSS_BEFORE, $RSS_OPEN, $RSS_LOADED, $HWM_LOADED, ${RSS_RESUMED:-0}
cpu_before, cpu_after = json.loads('$CPU_BEFORE'), json.loads('$CPU_AFTER')
loader_cpu = $LOADER_CPU_AFTER - $LOADER_CPU_BEFORE
seconds = r["durationSeconds"] + 3  # the load and the settling after it
load, restart = r["load"], r.get("restart") or {}
d = load["deliveries"] or {}
lat = d.get("latencyMs", {})
rd = restart.get("deliveries") or {}
rows = [
    ("sockets (users × sockets each)", f'{r["sockets"]} ({r["users"]} users)'),
    ("time to open and subscribe all", f'{r["openSeconds"]} s ({r["refusedUpgrades"]} upgrades refused or failed and retried, {r.get("refusedForSeats")} of them 429)'),
    ("upgrades refused or failed, by cause", json.dumps(r.get("refusalCauses") or {})),
    ("comments posted", f'{load["comments"]} at {r["rate"]}/s for {r["durationSeconds"]} s, {r["hotShare"]:.0%} on the hot article ({load["failedPosts"]} failed)'),
    ("deliveries expected / received", f'{d.get("expected")} / {d.get("received")} (missed {d.get("missed")}, repeated {d.get("duplicates")})'),
    ("delivery latency p50 / p99 / max", f'{lat.get("p50")} / {lat.get("p99")} / {lat.get("max")} ms'),
    ("sockets dropped under load", r["dropsUnderLoad"]),
    ("server RSS: before sockets / with sockets open / after load", f"{before // 1024} / {opened // 1024} / {loaded // 1024} MiB (peak {hwm // 1024} MiB)"),
    ("server memory per socket", f"{(opened - before) * 1024 / r['sockets'] / 1024:.1f} KiB"),
    ("CPU during load (s per s): folio / postgres / redis / generator",
     " / ".join(f"{(cpu_after[g] - cpu_before[g]) / seconds:.2f}" for g in ("folio", "postgres", "redis")) + f" / {loader_cpu / seconds:.2f}"),
]
if restart:
    rows += [
        ("restart: server stopped ($SIGNAL) and live again", f"${DOWN_SECONDS:-?} s"),
        ("restart: first drop → all sockets resumed", f'{restart.get("firstDropToAllResumedSeconds")} s'),
        ("restart: first resume → all resumed", f'{restart.get("firstResumeToAllResumedSeconds")} s'),
        ("restart: upgrades refused or failed, retried", f'{restart.get("refusedUpgrades")} ({restart.get("refusedForSeats")} of them 429)'),
        ("restart: upgrades refused or failed, by cause", json.dumps(restart.get("refusalCauses") or {})),
        ("restart: comments posted meanwhile", f'{restart.get("comments")} ({restart.get("failedPosts")} refused while down)'),
        ("restart: deliveries expected / received", f'{rd.get("expected")} / {rd.get("received")} (missed {rd.get("missed")}, repeated {rd.get("duplicates")}, resync_required {restart.get("resyncs")})'),
        ("server RSS after the restart, sockets back", f"{resumed // 1024} MiB"),
    ]
width = max(len(k) for k, _ in rows)
print(f"\n| {'realtime load':<{width}} | |")
print(f"|{'-' * (width + 2)}|---|")
for k, v in rows:
    print(f"| {k:<{width}} | {v} |")
PY
