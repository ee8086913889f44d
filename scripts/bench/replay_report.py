#!/usr/bin/env python3
"""The summary of a scripts/bench-replay run: replay_report.py OUT_DIR  (reads OUT_DIR/raw.tsv, env.txt).

raw.tsv lines: SECTION CONFIG KEY VALUE, SECTION being redis@rN / http@rN (one per round), record
(the captures) or fidelity. Rates: the median over the rounds with [min-max]; ratio: median replay
rate / median direct-client rate, with the [min-max] of the per-round ratios beside it.
"""
import os

import benchdata
import statistics
import sys
from collections import OrderedDict

d = sys.argv[1]
RAW = benchdata.raw(d, outer=0)  # section -> config -> {key: value}
env = benchdata.env(d)

TARGET_RATIO = float(env.get("target_ratio", "0.8"))
TARGET_P99_MS = float(env.get("target_p99_ms", "1.0"))


def f(v, default=None):
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def grouped(x):
    return "-" if x is None else f"{x:,.0f}"


def rounds(workload):
    return [(sec, cfgs) for sec, cfgs in RAW.items() if sec.split("@")[0] == workload]


def series(workload, cfg, key="rps"):
    return [f(cfgs.get(cfg, {}).get(key)) for _, cfgs in rounds(workload)]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs, fmt):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return ""
    return "[" + fmt(min(xs)) + "-" + fmt(max(xs)) + "]"


def met(ok):
    return "MET" if ok else "NOT MET"


lines = []
p = lines.append
p(f"interpose replay benchmark  ({env.get('date', '?')}; {env.get('cpus', '?')} cpus; "
  f"loadavg at start {env.get('loadavg at start', '?')})")
p(f"settings: {env.get('settings', '?')}")
p("")

verdicts = []


def throughput_block(workload, title, base_cfg, base_label, replay_cfgs):
    rec = RAW.get("record", {}).get(workload, {})
    p(title)
    if rec:
        p(f"  capture: {grouped(f(rec.get('messages')))} messages (requests and replies; {grouped(f(rec.get('requests')))} client writes) over "
          f"{grouped(f(rec.get('conversations')))} conversations ({grouped(f(rec.get('empty_conversations')))} empty) "
          f"({rec.get('protocols', '?')}), {grouped(f(rec.get('file_bytes', 0)) / 1e6 if f(rec.get('file_bytes')) else None)} MB, "
          f"{grouped(f(rec.get('capture_dropped_records')))} records dropped; recorded at "
          f"{grouped(f(rec.get('load_rps')))} req/s through the capturing proxy")
    n = len(rounds(workload))
    if n == 0:
        p("  (not run)")
        p("")
        return
    p(f"  {'client':<24} {'req/s median':>13} {'[min-max]':>21} {'ratio':>7} {'[per round]':>13} {'compared':>10} "
      f"{'differ':>7} {'wall s':>7} {'RSS MB':>7}  target")
    base = series(workload, base_cfg)
    bm = med(base)
    p(f"  {base_label:<24} {grouped(bm):>13} {spread(base, grouped):>21} {'1.00x':>7} {'':>13} {'':>10} {'':>7} {'':>7} {'':>7}")
    for cfg, label, target in replay_cfgs:
        xs = series(workload, cfg)
        m = med(xs)
        ratio = (m / bm) if (m is not None and bm) else None
        per = [(a / b) if (a is not None and b) else None for a, b in zip(xs, base)]
        compared = med(series(workload, cfg, "messages"))
        differ = med([(f(c.get(cfg, {}).get("differs"), 0) + f(c.get(cfg, {}).get("missing"), 0)
                       + f(c.get(cfg, {}).get("extra"), 0)) if c.get(cfg) else None for _, c in rounds(workload)])
        wall = med(series(workload, cfg, "wall_s"))
        rss = med(series(workload, cfg, "peak_rss_mb"))
        tgt = ""
        if target and ratio is not None:
            ok = ratio >= TARGET_RATIO
            tgt = f">= {TARGET_RATIO}x {met(ok)}"
            verdicts.append((f"{workload}: {label} >= {TARGET_RATIO}x of {base_label}", ok, f"{ratio:.2f}x"))
        p(f"  {label:<24} {grouped(m):>13} {spread(xs, grouped):>21} "
          f"{(f'{ratio:.2f}x' if ratio is not None else '-'):>7} {spread(per, lambda r: f'{r:.2f}'):>13} "
          f"{grouped(compared):>10} {grouped(differ):>7} {(f'{wall:.1f}' if wall is not None else '-'):>7} "
          f"{grouped(rss):>7}  {tgt}")
        errs = [c.get(cfg, {}).get("error") for _, c in rounds(workload) if c.get(cfg, {}).get("error")]
        rcs = sorted({c.get(cfg, {}).get("exit_rc") for _, c in rounds(workload) if c.get(cfg)})
        reqs = sorted({c.get(cfg, {}).get("requests") for _, c in rounds(workload) if c.get(cfg)})
        extra = f"    exit status {','.join(x or '?' for x in rcs)}; requests replayed per round {','.join(x or '?' for x in reqs)}"
        if errs:
            extra += f"; errors: {'; '.join(errs)}"
        p(extra)
    p("")


throughput_block("redis", "1. Redis at --speed max (redis-benchmark -t set,get; rate = all requests / time of both tests)",
                 "redis-benchmark", "redis-benchmark direct",
                 [("replay", "replay (checks on)", True), ("replay_nochecks", "replay --no-checks", False)])
throughput_block("http", "2. HTTP at --speed max (wrk against nginx, small static file)",
                 "wrk", "wrk direct", [("replay", "replay", True)])

fid = RAW.get("fidelity", {})
rec = RAW.get("record", {}).get("fidelity", {})
p("3. Timing fidelity (paced Redis client, think times 1-30 ms; |replayed gap - recorded gap / speed| per request)")
if rec:
    p(f"  capture: {grouped(f(rec.get('requests')))} requests over {grouped(f(rec.get('conversations')))} conversations; "
      f"client: {rec.get('client', '?')}")
if not fid:
    p("  (not run)")
else:
    p(f"  {'speed':<8} {'pairs':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'bias ms':>8} "
      f"{'recorded s':>11} {'expected s':>11} {'replayed s':>11} {'differ':>7}  target (p99 <= {TARGET_P99_MS} ms)")
    for cfg, kv in fid.items():
        p99 = f(kv.get("p99_ms"))
        ok = p99 is not None and p99 <= TARGET_P99_MS
        verdicts.append((f"fidelity --speed {cfg.replace('speed', '')}: p99 gap error <= {TARGET_P99_MS} ms"
                         + ("" if cfg == "speed1" else " (informational)"), ok, f"{p99:.3f} ms" if p99 is not None else "-"))
        dif = sum(f(kv.get(k), 0) for k in ("differs", "missing", "extra"))
        p(f"  {cfg.replace('speed', ''):<8} {kv.get('pairs', '-'):>6} {kv.get('p50_ms', '-'):>8} {kv.get('p99_ms', '-'):>8} "
          f"{kv.get('max_ms', '-'):>8} {kv.get('bias_ms', '-'):>8} {kv.get('recorded_span_s', '-'):>11} "
          f"{kv.get('expected_span_s', '-'):>11} {kv.get('replayed_span_s', '-'):>11} {dif:>7.0f}  {met(ok)}"
          + (f"   (requests {kv.get('recorded_requests')} recorded, {kv.get('replayed_requests')} replayed)"
             if kv.get('recorded_requests') != kv.get('replayed_requests') else "")
          + (f"   error: {kv['error']}" if kv.get("error") else ""))
p("")
p("Targets")
for name, ok, val in verdicts:
    p(f"  {'MET    ' if ok else 'NOT MET'}  {name}: {val}")
p("")
p("Figures from one run on a shared 2-core box (other jobs running): noisy; see raw.tsv for every round.")
print("\n".join(lines))
