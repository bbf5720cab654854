#!/usr/bin/env python3
"""Uploads and file delivery against a running Folio (bench/uploads.sh starts one):
wrk posts distinct PNGs for a while, then the time for the background jobs to make
every upload's variants is taken, then, with the job queue empty, wrk reads one
upload's files the ways a browser and a CDN do (whole, conditional, a range, a
variant). Prints a Markdown
table: requests/s, p50, p99 and errors (non-2xx/3xx responses and socket errors)."""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

from wrk_output import measured

BASE = sys.argv[1]
LABEL = sys.argv[2] if len(sys.argv) > 2 else ""
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
# One uploading user per wrk thread (each user has a quota).
UPLOADERS = int(os.environ.get("BENCH_UPLOADERS", "2"))
UPLOAD_CONNECTIONS = os.environ.get("BENCH_UPLOAD_CONNECTIONS", "8")
# Distinct images to post: each wrk thread stops when its share is used up, so the
# scenario measures new uploads only (repeats are answered from the stored one).
BODIES = int(os.environ.get("BENCH_UPLOAD_BODIES", "4000"))
SIDE = int(os.environ.get("BENCH_UPLOAD_SIDE", "96"))
BOUNDARY = "folio-bench-boundary"
HERE = os.path.dirname(os.path.abspath(__file__))
API = BASE + "/api/v1"


def call(method, path, body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(API + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null"), answer.headers


def register(name):
    user = {"username": name, "email": f"{name}@bench.example", "password": "a long bench password"}
    answer, _ = call("POST", "/users", {"user": user})
    return answer["user"]["token"]


def png(side):
    """A PNG of random pixels: it compresses as badly as a photo does."""
    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def multipart(name, content):
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def unfinished_jobs():
    with urllib.request.urlopen(BASE + "/metrics", timeout=10) as answer:
        text = answer.read().decode()
    found = re.findall(r'^job_queue_depth\{state="(?:queued|running)"\} (\S+)$', text, re.MULTILINE)
    return sum(float(value) for value in found) if found else 0


def wrk(path, connections, threads, extra, env=None):
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", DURATION, "--latency",
               *extra, BASE + path]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})}).stdout
    return measured(output)


def main():
    run = int(time.time()) % 1_000_000
    tokens = [register(f"bench{run}up{n}") for n in range(UPLOADERS)]
    rows = []
    with tempfile.TemporaryDirectory() as bodies:
        for n in range(1, BODIES + 2):
            with open(os.path.join(bodies, f"{n}.bin"), "wb") as file:
                file.write(multipart(f"photo-{n}.png", png(SIDE)))
        env = {"UPLOAD_BODIES_DIR": bodies, "UPLOAD_BODIES": str(BODIES),
               "UPLOAD_BOUNDARY": BOUNDARY, "UPLOAD_TOKENS": ",".join(tokens)}
        rps, p50, p99, errors = wrk("/api/v1/uploads", UPLOAD_CONNECTIONS, UPLOADERS,
                                    ["-s", os.path.join(HERE, "upload.lua")], env)
        rows.append((f"upload: POST /uploads, {BODIES} distinct {SIDE}×{SIDE} PNGs", rps, p50, p99, errors))
        # One more upload, queued behind every variant job the scenario enqueued.
        with open(os.path.join(bodies, f"{BODIES + 1}.bin"), "rb") as file:
            last_body = file.read()
    started = time.monotonic()
    last, _ = call("POST", "/uploads", token=tokens[0], raw=last_body,
                   headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    upload_id = last["upload"]["id"]
    while True:
        answer, _ = call("GET", f"/uploads/{upload_id}", token=tokens[0])
        upload = answer["upload"]
        if upload["status"] != "processing":
            break
        if time.monotonic() - started > 600:
            sys.exit("uploads: the variants were not made within 600 s")
        time.sleep(0.2)
    ready = time.monotonic() - started
    # Variant jobs run in parallel, so others may still run: the files are read once
    # the queue is empty (the depth gauges are refreshed every 5 s).
    while unfinished_jobs() > 0:
        if time.monotonic() - started > 600:
            sys.exit("uploads: the job queue did not drain within 600 s")
        time.sleep(0.5)
    drained = time.monotonic() - started
    # As after seeding in bench/run.sh: thousands of rows a few seconds old have no
    # statistics yet, and the planner would guess at them.
    database = os.environ.get("BENCH_DATABASE_URL")
    if database:
        subprocess.run(["psql", database, "-qc", "VACUUM ANALYZE"], check=True)
    original, thumb = upload["url"], upload["variants"]["thumb"]
    with urllib.request.urlopen(BASE + original, timeout=10) as answer:
        etag = answer.headers["ETag"]
    for label, path, extra in [
        ("file: GET original", original, []),
        ("file: GET original, If-None-Match (304)", original, ["-H", f"If-None-Match: {etag}"]),
        ("file: GET original, Range: bytes=0-1023 (206)", original, ["-H", "Range: bytes=0-1023"]),
        ("file: GET thumb variant", thumb, []),
        ("upload metadata: GET /uploads/{id}", f"/api/v1/uploads/{upload_id}",
         ["-H", f"Authorization: Token {tokens[0]}"]),
    ]:
        rps, p50, p99, errors = wrk(path, CONNECTIONS, 2, extra)
        rows.append((label, rps, p50, p99, errors))

    width = max(len(row[0]) for row in rows)
    print(f"\n| {LABEL:<{width}} | requests/s | p50 ms | p99 ms | errors |")
    print(f"|{'-' * (width + 2)}|---:|---:|---:|---:|")
    for label, rps, p50, p99, errors in rows:
        print(f"| {label:<{width}} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")
    print(f"\nvariants: the last upload was {upload['status']} {ready:.1f} s and every variant job "
          f"done {drained:.1f} s after the upload scenario ended")


if __name__ == "__main__":
    main()
