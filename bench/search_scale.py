#!/usr/bin/env python3
"""Measures the uncached searches of `make bench` against a corpus of the given size
and prints one Markdown table row per search and concurrency: requests/s, p50, p99
and errors. Called by search_scale.sh once per corpus size."""

import os
import subprocess
import sys

from wrk_output import measured

BASE = sys.argv[1]
ARTICLES = int(sys.argv[2])
DURATION = os.environ.get("BENCH_DURATION", "6s")
WARMUP = os.environ.get("BENCH_WARMUP", "2s")
CONNECTIONS = os.environ.get("SEARCH_SCALE_CONNECTIONS", "1 4").split()
# The searches of scenarios.py: every title holds "benchmark article", every body
# "lorem"; "42" is also a prefix of 420..429, 4200..4299 and so on.
SEARCHES = [
    ("q + one tag", "/api/v1/search/articles?q=benchmark%20article&tag=tag7"),
    ("selective q + facets", "/api/v1/search/articles?q=article%2042"),
    ("q matching every article + facets", "/api/v1/search/articles?q=lorem"),
]


def wrk(path, duration, connections):
    threads = min(int(connections), 2)
    command = ["wrk", "-t", str(threads), "-c", connections, "-d", duration, "--timeout", "10s",
               "--latency", BASE + path]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def main():
    for name, path in SEARCHES:
        for connections in CONNECTIONS:
            wrk(path, WARMUP, connections)
            rps, p50, p99, errors = measured(wrk(path, DURATION, connections))
            print(f"| {ARTICLES:,} | {name} | {connections} | {rps:,.1f} | {p50:.1f} | {p99:.1f} "
                  f"| {errors} |", flush=True)


if __name__ == "__main__":
    main()
