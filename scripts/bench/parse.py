#!/usr/bin/env python3
"""Tool outputs -> 'key<TAB>value' lines for raw.tsv.

  parse.py iperf FILE.json          gbps, bytes (received), retransmits
  parse.py redis FILE.csv           rps, avg_ms, p50_ms, p99_ms of the GET test
  parse.py interpose FILE.log       the exit summary of `interpose proxy`: connections, forwarded bytes,
                                    capture packets / written / dropped bytes / dropped records
  parse.py redisinfo FILE           total_net_input_bytes + total_net_output_bytes of `redis-cli INFO stats`
"""
import csv
import json
import re
import sys

UNITS = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3, "TiB": 1024 ** 4}


def out(k, v):
    print(f"{k}\t{v}")


def iperf(path):
    try:
        j = json.load(open(path))
    except Exception as e:  # noqa: BLE001
        out("error", f"bad json: {e}")
        return
    if "error" in j:
        out("error", j["error"].replace("\t", " "))
    end = j.get("end", {})
    r, s = end.get("sum_received", {}), end.get("sum_sent", {})
    if r:
        out("gbps", f"{r['bits_per_second'] / 1e9:.3f}")
        out("bytes", r["bytes"])
    if s:
        out("retransmits", s.get("retransmits", ""))


def redis(path):
    try:
        rows = list(csv.DictReader(open(path)))
    except Exception as e:  # noqa: BLE001
        out("error", f"bad csv: {e}")
        return
    for row in rows:
        if row.get("test") == "GET":
            out("rps", row["rps"])
            out("avg_ms", row["avg_latency_ms"])
            out("p50_ms", row["p50_latency_ms"])
            out("p99_ms", row["p99_latency_ms"])
            return
    out("error", "no GET row in redis-benchmark output")


def size(num, unit):
    return int(float(num) * UNITS[unit])


def interpose(path):
    txt = open(path, errors="replace").read()
    m = re.search(r"^(?:interpose: )?(\d+) connections?: (\d+) closed cleanly, (\d+) reset or failed", txt, re.M)
    if m:
        out("connections", m.group(1))
        out("closed_cleanly", m.group(2))
        out("reset_or_failed", m.group(3))
    m = re.search(r"forwarded ([\d.]+) (\w+) client->server, ([\d.]+) (\w+) server->client", txt)
    if m:
        out("forwarded_bytes", size(m.group(1), m.group(2)) + size(m.group(3), m.group(4)))
    m = re.search(r"^(?:interpose: )?capture (.*): (\d+) packets, ([\d.]+) (\w+) written, ([\d.]+) (\w+) dropped \((\d+) records\)(.*)$",
                  txt, re.M)
    if m:
        out("capture_packets", m.group(2))
        out("capture_written", size(m.group(3), m.group(4)))
        out("capture_dropped_bytes", size(m.group(5), m.group(6)))
        out("capture_dropped_records", m.group(7))
        if m.group(8).strip():
            out("capture_error", m.group(8).strip("; ").replace("\t", " "))


def redisinfo(path):
    total = 0
    for line in open(path):
        k, _, v = line.strip().partition(":")
        if k in ("total_net_input_bytes", "total_net_output_bytes"):
            total += int(v)
    out("bytes", total)


if __name__ == "__main__":
    {"iperf": iperf, "redis": redis, "interpose": interpose, "redisinfo": redisinfo}[sys.argv[1]](sys.argv[2])
