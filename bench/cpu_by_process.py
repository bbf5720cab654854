#!/usr/bin/env python3
"""Prints, as JSON, the CPU seconds used so far by the processes of each group:
Folio (the binary given as argv[1]), PostgreSQL and Redis. Two readings taken
around a measured run give each one's CPU cost per request."""

import json
import os
import sys

FOLIO = os.path.realpath(sys.argv[1])
TICKS = os.sysconf("SC_CLK_TCK")


def group_of(pid):
    try:
        exe = os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    name = text[text.index("(") + 1:text.rindex(")")]
    if exe == FOLIO:
        return "folio", text
    if name.startswith("postgres"):
        return "postgres", text
    if name.startswith("redis-server"):
        return "redis", text
    return None, text


used = {"folio": 0.0, "postgres": 0.0, "redis": 0.0}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        group, text = group_of(pid)
    except OSError:
        continue
    if group:
        fields = text[text.rindex(")") + 2:].split()
        used[group] += (int(fields[11]) + int(fields[12])) / TICKS
print(json.dumps(used))
