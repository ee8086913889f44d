#!/usr/bin/env python3
"""Tool outputs -> 'key<TAB>value' lines for raw.tsv, for scripts/bench-replay.

  replay_parse.py redisbench FILE.csv N   per-test rps (SET, GET) and the combined rate: all requests
                                          over the time of all tests (N per test: sum N / sum N/rps)
  replay_parse.py wrk FILE.txt            rps, requests, seconds, socket/non-2xx errors
  replay_parse.py replay ERR OUT TIME     `interpose replay` (text output): its stderr throughput line
                                          (conversations, requests, seconds, rps), the summary row of
                                          its table (messages, same, differs, missing, extra,
                                          stopped_early), its Duration, and /usr/bin/time's wall
                                          seconds and peak RSS (TIME: "%e %M")
  replay_parse.py analyze FILE.json       `interpose analyze --json`: conversations, requests
                                          (frames to server), responses (frames to client), protocols
"""
import csv
import json
import re
import sys
from collections import Counter


def out(k, v):
    print(f"{k}\t{v}")


def num(s):
    return float(s.replace(",", ""))


def redisbench(path, n):
    try:
        rows = list(csv.DictReader(open(path)))
    except Exception as e:  # noqa: BLE001
        out("error", f"bad csv: {e}")
        return
    n = float(n)
    seconds, total = 0.0, 0.0
    for row in rows:
        test, rps = row.get("test"), float(row.get("rps") or 0)
        if not test or rps <= 0:
            continue
        out(f"rps_{test.lower()}", f"{rps:.0f}")
        seconds += n / rps
        total += n
    if seconds > 0:
        out("requests", f"{total:.0f}")
        out("seconds", f"{seconds:.3f}")
        out("rps", f"{total / seconds:.0f}")
    else:
        out("error", "no test rows in redis-benchmark output")


def wrk(path):
    txt = open(path, errors="replace").read()
    m = re.search(r"Requests/sec:\s*([\d.]+)", txt)
    if m:
        out("rps", f"{float(m.group(1)):.0f}")
    else:
        out("error", "no Requests/sec in wrk output")
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", txt)
    if m:
        out("requests", m.group(1))
        out("seconds", f"{float(m.group(2)) / (1000 if m.group(3) == 'ms' else 1):.3f}")
    m = re.search(r"Socket errors: (.*)", txt)
    if m:
        out("socket_errors", m.group(1).strip())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
    if m:
        out("non2xx", m.group(1))


def replay(err, stdout, timefile):
    e = open(err, errors="replace").read()
    m = re.search(r"replayed ([\d,]+) conversations?, ([\d,]+) requests in ([\d.]+) s \(([\d,]+) requests/s\)", e)
    if m:
        out("conversations", int(num(m.group(1))))
        out("requests", int(num(m.group(2))))
        out("seconds", m.group(3))
        out("rps", int(num(m.group(4))))
    else:
        out("error", "no throughput line on stderr: " + (e.strip().splitlines() or ["(empty)"])[-1][:200].replace("\t", " "))
    o = open(stdout, errors="replace").read()
    lines = o.splitlines()
    for i, line in enumerate(lines):
        if line.split()[:2] == ["conversations", "messages"] and i + 1 < len(lines):
            vals = lines[i + 1].split()
            names = ["table_conversations", "messages", "same", "differs", "missing", "extra", "stopped_early",
                     "noise_cancelled"]
            for k, v in zip(names, vals):
                out(k, int(num(v)))
            break
    m = re.search(r"^Duration:\s*([\d.]+) s", o, re.M)
    if m:
        out("duration_s", m.group(1))
    m = re.search(r"^(NO REGRESSION|REGRESSION)[^\n]*", o, re.M)
    if m:
        out("verdict", m.group(0)[:120].replace("\t", " "))
    try:
        wall, rss = open(timefile).read().split()[-2:]
        out("wall_s", wall)
        out("peak_rss_mb", f"{float(rss) / 1024:.0f}")
    except (OSError, ValueError):
        pass


def analyze(path):
    try:
        j = json.load(open(path))
    except Exception as e:  # noqa: BLE001
        out("error", f"bad json: {e}")
        return
    conns = j.get("connections", [])
    out("conversations", len(conns))
    out("requests", sum(c.get("frames_to_server", 0) for c in conns))
    out("messages", sum(c.get("messages", 0) for c in conns))
    out("empty_conversations", sum(1 for c in conns if not c.get("bytes_to_server") and not c.get("bytes_to_client")))
    out("responses", sum(c.get("frames_to_client", 0) for c in conns))
    out("protocols", ",".join(f"{k}:{v}" for k, v in Counter(c.get("protocol") for c in conns).most_common()))
    out("packets", j.get("capture", {}).get("packets", ""))
    out("file_bytes", j.get("capture", {}).get("file_bytes", ""))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "redisbench":
        redisbench(sys.argv[2], sys.argv[3])
    elif cmd == "wrk":
        wrk(sys.argv[2])
    elif cmd == "replay":
        replay(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "analyze":
        analyze(sys.argv[2])
    else:
        sys.exit(f"unknown command {cmd}")
