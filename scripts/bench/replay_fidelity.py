#!/usr/bin/env python3
"""Timing fidelity of a replay: replay_fidelity.py RECORDED.tsv REPLAYED.tsv SPEED

Each TSV is tshark's `-T fields -e tcp.stream -e frame.time_epoch -e tcp.payload` of the client->server
packets with payload (one request per packet for the paced client). Streams are paired by the
connection tag in their keys (fid:cK:, see paced_redis.py), falling back to the order of their first
request. Per stream, the gaps between consecutive requests; the i-th recorded gap divided by SPEED is
paired with the i-th replayed gap. Prints 'key<TAB>value' lines for raw.tsv:

  recorded_requests, replayed_requests, streams, pairs
  p50_ms, p99_ms, max_ms   of |replayed gap - recorded gap / SPEED| (nearest-rank percentiles)
  bias_ms                  mean of (replayed gap - recorded gap / SPEED): > 0 the replay is slower
  recorded_span_s, replayed_span_s, expected_span_s   first to last request over all streams
                                                      (expected: recorded / SPEED)
"""
import math
import re
import sys

TAG = re.compile(rb"fid:c(\d+):")


def load(path):
    streams = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0] or not parts[1]:
            continue
        payload = b""
        if len(parts) > 2:
            try:
                payload = bytes.fromhex(parts[2].replace(":", ""))
            except ValueError:
                pass
        s = streams.setdefault(int(parts[0]), {"times": [], "tag": None})
        s["times"].append(float(parts[1]))
        if s["tag"] is None:
            m = TAG.search(payload)
            if m:
                s["tag"] = int(m.group(1))
    # key: the tag, else (1000000 + rank by first request)
    ordered = sorted(streams.values(), key=lambda s: s["times"][0])
    keyed = {}
    for rank, s in enumerate(ordered):
        keyed[s["tag"] if s["tag"] is not None and s["tag"] not in keyed else 1_000_000 + rank] = sorted(s["times"])
    return keyed


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[i]


def main():
    rec, rep, speed = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
    diffs, signed = [], []
    for key, times in rec.items():
        other = rep.get(key)
        if other is None:
            continue
        g1 = [b - a for a, b in zip(times, times[1:])]
        g2 = [b - a for a, b in zip(other, other[1:])]
        for a, b in zip(g1, g2):
            d = (b - a / speed) * 1000.0
            signed.append(d)
            diffs.append(abs(d))
    diffs.sort()

    def span(d):
        allt = [t for ts in d.values() for t in ts]
        return (max(allt) - min(allt)) if allt else float("nan")

    out = {
        "recorded_requests": sum(len(t) for t in rec.values()),
        "replayed_requests": sum(len(t) for t in rep.values()),
        "streams": f"{len(rec)}/{len(rep)}",
        "pairs": len(diffs),
        "p50_ms": f"{pct(diffs, 50):.3f}",
        "p99_ms": f"{pct(diffs, 99):.3f}",
        "max_ms": f"{diffs[-1]:.3f}" if diffs else "nan",
        "bias_ms": f"{sum(signed) / len(signed):.3f}" if signed else "nan",
        "recorded_span_s": f"{span(rec):.3f}",
        "replayed_span_s": f"{span(rep):.3f}",
        "expected_span_s": f"{span(rec) / speed:.3f}",
    }
    for k, v in out.items():
        print(f"{k}\t{v}")


if __name__ == "__main__":
    main()
