#!/usr/bin/env python3
"""Runs wrk against each scenario of a seeded Folio and prints a Markdown table:
requests/s, p50, p99, non-2xx responses and socket errors, and each scenario's
ratio to the `/health/live` floor measured in the same run."""

import json
import os
import re
import subprocess
import sys

BASE = sys.argv[1]
SEED = json.loads(sys.argv[2])
LABEL = sys.argv[3] if len(sys.argv) > 3 else ""
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
THREADS = os.environ.get("BENCH_THREADS", "2")
# Each scenario first runs unmeasured for this long: the table reports steady state,
# not the pool opening connections and preparing statements.
WARMUP = os.environ.get("BENCH_WARMUP", "2s")
HERE = os.path.dirname(os.path.abspath(__file__))

AUTH = ["-H", f"Authorization: Token {SEED['token']}"]
SCENARIOS = [
    ("floor: GET /health/live", "/health/live", []),
    ("anonymous article list", "/api/v1/articles", []),
    ("authenticated article list", "/api/v1/articles", AUTH),
    ("feed", "/api/v1/articles/feed", AUTH),
    ("single article", f"/api/v1/articles/{SEED['slug']}", []),
    ("tag-filtered list", f"/api/v1/articles?tag={SEED['tag']}", []),
    ("tags", "/api/v1/tags", []),
    ("profile", f"/api/v1/profiles/{SEED['username']}", []),
    ("comment creation", f"/api/v1/articles/{SEED['slug']}/comments",
     ["-s", os.path.join(HERE, "comment.lua")]),
]


def to_ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(path, extra, duration):
    command = ["wrk", "-t", THREADS, "-c", CONNECTIONS, "-d", duration, "--latency", *extra, BASE + path]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, "BENCH_TOKEN": SEED["token"]}, check=True).stdout


def errors_in(output):
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)


def run(path, extra):
    warmup_errors = errors_in(wrk(path, extra, WARMUP))
    output = wrk(path, extra, DURATION)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    # Errors count whether or not they fell in the measured part.
    return rps, p50, p99, warmup_errors + errors_in(output)


def main():
    print(f"\n{LABEL} — wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} (after {WARMUP} unmeasured)\n")
    print("| scenario | requests/s | p50 ms | p99 ms | errors | vs floor |")
    print("|---|---:|---:|---:|---:|---:|")
    floor = None
    for name, path, extra in SCENARIOS:
        rps, p50, p99, errors = run(path, extra)
        floor = floor or rps
        print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors} | {rps / floor:.0%} |", flush=True)


if __name__ == "__main__":
    main()
