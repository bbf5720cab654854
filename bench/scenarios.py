#!/usr/bin/env python3
"""Runs wrk against each scenario of a seeded Folio and prints a Markdown table:
requests/s, p50, p99, non-2xx responses and socket errors, and each scenario's
ratio to the `/health/live` floor measured in the same run.

Then "abusive reads": a normal client reads the anonymous article list alone, and
again while 16 connections hammer the most expensive reads an anonymous client may
make; both measurements are printed side by side. BENCH_ONLY ("table", "abusive
reads", comma-separated) runs only the named parts.

While the comment creation scenario is measured, the server's outbox lag gauges are
sampled from /metrics every 100 ms and summarised after the table (nothing is printed
when the server does not expose them)."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

from wrk_output import errors_in, measured

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
ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]

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
    # Last: a search that misses the cache keeps PostgreSQL busy for a while after
    # its scenario ends (and its records are written in batches), which would be
    # charged to whatever ran next.
    # Searches answer facets and the total with every page. The seeded bodies are all
    # alike: `lorem` matches every article (the worst case for ranking and facets),
    # `article 42` a few (`42` is also a prefix of 420..429, 4200..4299).
    ("search: q + one tag", f"/api/v1/search/articles?q=benchmark%20article&tag={SEED['tag']}", []),
    ("search: selective q + facets", "/api/v1/search/articles?q=article%2042", []),
    ("search: q matching every article + facets", "/api/v1/search/articles?q=lorem", []),
]

# Writes go through the outbox: under this scenario's load the relay's lag is sampled.
LAG_SCENARIO = "comment creation"
LAG_SAMPLE_EVERY = 0.1
LAG_SERIES = ("outbox_lag_seconds", "outbox_lag_events")


# The deepest offset a list accepts (MAX_OFFSET in the application crate).
DEEPEST_OFFSET = 10000
NORMAL_PATH = "/api/v1/articles"
NORMAL_CONNECTIONS = "4"
ABUSIVE_CONNECTIONS = "16"
# The deepest page of the list in each filter shape (unfiltered, one tag, tag and
# author, tag and fan), and a full page of the longest thread of long comments.
ABUSIVE_PATHS = [
    f"/api/v1/articles?offset={DEEPEST_OFFSET}&limit=100",
    f"/api/v1/articles?tag={SEED['tag']}&offset={DEEPEST_OFFSET}&limit=100",
    f"/api/v1/articles?tag={SEED['tag']}&author={SEED['username']}&offset={DEEPEST_OFFSET}&limit=100",
    f"/api/v1/articles?tag={SEED['tag']}&favorited={SEED['username']}&offset={DEEPEST_OFFSET}&limit=100",
    f"/api/v1/articles/{SEED['thread']}/comments?limit=100",
]


def wrk_command(path, extra, duration, connections=None, threads=None):
    return ["wrk", "-t", threads or THREADS, "-c", connections or CONNECTIONS, "-d", duration,
            "--latency", *extra, BASE + path]


WRK_ENV = {**os.environ, "BENCH_TOKEN": SEED["token"], "BENCH_ABUSIVE_PATHS": " ".join(ABUSIVE_PATHS)}


def wrk(path, extra, duration, connections=None, threads=None):
    command = wrk_command(path, extra, duration, connections, threads)
    return subprocess.run(command, capture_output=True, text=True, env=WRK_ENV, check=True).stdout


def run(path, extra, during=None):
    warmup_errors = errors_in(wrk(path, extra, WARMUP))
    if during:
        during.start()
    try:
        rps, p50, p99, errors = measured(wrk(path, extra, DURATION))
    finally:
        if during:
            during.stop()
    # Errors count whether or not they fell in the measured part.
    return rps, p50, p99, warmup_errors + errors


def lag_values(text):
    """The outbox lag gauges in a /metrics exposition; an empty dict if absent."""
    values = {}
    for name in LAG_SERIES:
        found = re.search(rf"^{name}(?:{{[^}}]*}})?\s+(\S+)", text, re.MULTILINE)
        if found:
            values[name] = float(found.group(1))
    return values


class LagSampler:
    """Reads the outbox lag gauges every LAG_SAMPLE_EVERY seconds in a thread."""

    def __init__(self):
        self.samples = {name: [] for name in LAG_SERIES}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.done.set()
        self.thread.join()

    def sample(self):
        while not self.done.wait(LAG_SAMPLE_EVERY):
            try:
                with urllib.request.urlopen(BASE + "/metrics", timeout=1) as answer:
                    text = answer.read().decode()
            except (OSError, ValueError):
                continue
            for name, value in lag_values(text).items():
                self.samples[name].append(value)

    def summary(self):
        seconds, events = (sorted(self.samples[name]) for name in LAG_SERIES)
        if not seconds or not events:
            return None

        def at(values, share):
            return values[min(len(values) - 1, int(share * len(values)))]

        return "outbox lag under write load: " + ", ".join(
            f"{label} {at(seconds, share):.3f} s / {at(events, share):.0f} events"
            for label, share in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))
        ) + f" ({len(seconds)} samples every {LAG_SAMPLE_EVERY * 1000:.0f} ms)"


def seconds(duration):
    number, unit = re.match(r"(\d+)(s|m)?$", duration).groups()
    return int(number) * (60 if unit == "m" else 1)


def abusive_reads():
    """The normal client alone, then the same client while the abusive load runs."""
    def normal(duration):
        return wrk(NORMAL_PATH, [], duration, NORMAL_CONNECTIONS, "1")

    normal(WARMUP)
    alone = measured(normal(DURATION))
    # The abusive load warms up, then keeps running until the normal client is done.
    length = f"{seconds(WARMUP) + seconds(DURATION) + 2}s"
    abusive = subprocess.Popen(
        wrk_command("/", ["-s", os.path.join(HERE, "abusive.lua")], length, ABUSIVE_CONNECTIONS, THREADS),
        stdout=subprocess.PIPE, text=True, env=WRK_ENV)
    time.sleep(seconds(WARMUP))
    loaded = measured(normal(DURATION))
    abusive_output, _ = abusive.communicate()
    load = measured(abusive_output)

    print(f"\n{LABEL} — abusive reads: wrk -t1 -c{NORMAL_CONNECTIONS} -d{DURATION} on {NORMAL_PATH}, "
          f"alone and next to wrk -t{THREADS} -c{ABUSIVE_CONNECTIONS} cycling through:")
    for path in ABUSIVE_PATHS:
        print(f"  {path}")
    print()
    print("| normal client | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for name, (rps, p50, p99, errors) in [("alone", alone), (f"with {ABUSIVE_CONNECTIONS} abusive connections", loaded)]:
        print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")
    rps, p50, p99, errors = load
    print(f"\nabusive load itself: {rps:,.0f} requests/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"{errors} errors (non-2xx or socket)", flush=True)


def table():
    print(f"\n{LABEL} — wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} (after {WARMUP} unmeasured)\n")
    print("| scenario | requests/s | p50 ms | p99 ms | errors | vs floor |")
    print("|---|---:|---:|---:|---:|---:|")
    floor = None
    lag = LagSampler()
    for name, path, extra in SCENARIOS:
        rps, p50, p99, errors = run(path, extra, lag if name == LAG_SCENARIO else None)
        floor = floor or rps
        print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors} | {rps / floor:.0%} |", flush=True)
    summary = lag.summary()
    if summary:
        print(f"\n{summary}", flush=True)


def main():
    if not ONLY or "table" in ONLY:
        table()
    if not ONLY or "abusive reads" in ONLY:
        abusive_reads()


if __name__ == "__main__":
    main()
