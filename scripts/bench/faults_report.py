#!/usr/bin/env python3
"""The summary of a scripts/bench-faults run: faults_report.py OUT_DIR  (reads OUT_DIR/raw.tsv, env.txt).

raw.tsv rows: config, workload (iperf_P1@rN, redis_c50@rN, latency, bandwidth@rN, reset; `run all` for the
run's own facts), key, value."""
import math
import os

import benchdata
import random
import sys
from collections import OrderedDict

d = sys.argv[1]
RAW = benchdata.raw(d)  # workload -> config -> {key: value}
RUN = RAW.get("all", {}).get("run", {})
env = benchdata.env(d)
settings = dict(kv.split("=", 1) for kv in env.get("settings", "").split() if "=" in kv)
LAT_TARGET = float(settings.get("LAT_TARGET_MS", 2))
BW_TARGET = float(settings.get("BW_TARGET_PCT", 10))

out = []
P = out.append


def num(x):
    try:
        v = float(x)
        return None if math.isnan(v) else v
    except (TypeError, ValueError):
        return None


def table(rows):
    for line in benchdata.table(rows, left=1).split("\n"):
        P("  " + line)


def verdict(ok):
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")


def rounds(base):
    """config -> list of {key: value} over the rounds of workload `base` (base@rN)."""
    r = OrderedDict()
    for wl, cfgs in RAW.items():
        if wl.split("@")[0] == base:
            for cfg, kv in cfgs.items():
                r.setdefault(cfg, []).append(kv)
    return r


def median_of(runs, key):
    vals = sorted(v for v in (num(kv.get(key)) for kv in runs) if v is not None)
    if not vals:
        return None, None, None
    m = len(vals)
    med = vals[m // 2] if m % 2 else (vals[m // 2 - 1] + vals[m // 2]) / 2
    return med, vals[0], vals[-1]


def la_range(runs):
    v = [num(kv.get("loadavg_1m")) for kv in runs]
    v = [x for x in v if x is not None]
    return f"{min(v):.2f}-{max(v):.2f}" if v else "n/a"


P(f"bench-faults  {env.get('date', '')}  kernel {env.get('kernel', '')}  {env.get('cpus', '?')} cpus")
P(f"  {env.get('interpose', '')}")
P(f"  load average (1/5/15 min) at start: {RUN.get('loadavg_start', 'n/a')}, at end: {RUN.get('loadavg_end', 'n/a')}"
  " (the box is shared: other jobs may run)")
P(f"  settings: {env.get('settings', '')}")
P(f"  network namespace: {RUN.get('netns', 'not used')}; netem: {RUN.get('netem', 'not probed')}; "
  f"tbf: {RUN.get('tbf', 'not probed')}; htb: {RUN.get('htb', 'not probed')}")
checks = []

# ------------------------------------------------------------------ 1. idle hook
it, rd = rounds("iperf_P1"), rounds("redis_c50")
if it or rd:
    P("")
    P("1. idle faults hook: throughput with no fault, host loopback (median round [min-max]; ratio = median / haproxy's)")
    cfgs = list(OrderedDict.fromkeys(list(it) + list(rd)))
    hg, hr = median_of(it.get("haproxy", []), "gbps")[0], median_of(rd.get("haproxy", []), "rps")[0]
    rows = [["config", "iperf3 -P1 Gb/s", "[min-max]", "x haproxy", "proxy CPU s/GB", "redis GET c50 rps", "[min-max]",
             "x haproxy", "p50 ms", "p99 ms", "load 1m"]]
    for cfg in cfgs:
        g, gmin, gmax = median_of(it.get(cfg, []), "gbps")
        r, rmin, rmax = median_of(rd.get(cfg, []), "rps")
        cpu = [num(kv.get("proxy_cpu_s")) / (num(kv.get("bytes")) / 1e9)
               for kv in it.get(cfg, []) if num(kv.get("proxy_cpu_s")) is not None and num(kv.get("bytes"))]
        cpu_s = f"{sorted(cpu)[len(cpu) // 2]:.2f}" if cpu and cfg not in ("direct",) else "-"
        p50, _, _ = median_of(rd.get(cfg, []), "p50_ms")
        p99, _, _ = median_of(rd.get(cfg, []), "p99_ms")
        rows.append([cfg,
                     "n/a" if g is None else f"{g:.2f}", "" if g is None else f"[{gmin:.2f}-{gmax:.2f}]",
                     "n/a" if g is None or not hg else f"{g / hg:.2f}x", cpu_s,
                     "n/a" if r is None else f"{r:,.0f}", "" if r is None else f"[{rmin:,.0f}-{rmax:,.0f}]",
                     "n/a" if r is None or not hr else f"{r / hr:.2f}x",
                     "n/a" if p50 is None else f"{p50:.3f}", "n/a" if p99 is None else f"{p99:.3f}",
                     la_range(it.get(cfg, []) + rd.get(cfg, []))])
    table(rows)
    for cfg, runs in list(it.items()) + list(rd.items()):
        bad = [kv.get("client_rc") for kv in runs if kv.get("client_rc") not in (None, "0")]
        bad += [kv.get("error") for kv in runs if kv.get("error")]
        bad += [f"proxy exit {kv['exit_rc']}" for kv in runs if kv.get("exit_rc") not in (None, "0")]
        if bad:
            P(f"  {cfg}: problems: {', '.join(str(b) for b in bad)}")
    g, hg_ = median_of(it.get("interpose", []), "gbps")[0], hg
    checks.append(("bulk (iperf3 -P1): interpose, no toxic >= 1.0x haproxy",
                   None if g is None or not hg_ else g >= hg_, "n/a" if g is None or not hg_ else f"{g / hg_:.2f}x"))
    r = median_of(rd.get("interpose", []), "rps")[0]
    checks.append(("redis GET c50: interpose, no toxic >= 1.0x haproxy",
                   None if r is None or not hr else r >= hr, "n/a" if r is None or not hr else f"{r / hr:.2f}x"))
    gl, gi = median_of(it.get("interpose_lat0", []), "gbps")[0], g
    rl = median_of(rd.get("interpose_lat0", []), "rps")[0]
    if gl is not None and gi:
        P(f"  engaged pipeline (latency=0 toxic) vs no toxic: bulk {gl / gi:.2f}x"
          + (f", GET rate {rl / r:.2f}x" if rl is not None and r else "") + " (info)")

# ------------------------------------------------------------------ 2. latency
LAT = RAW.get("latency", {})


def expected(k, dper, jper, n=200000):
    """Quantiles (p1, p50, p99) and stdev of the added delay: the sum over k crossings of U[d-j, d+j]."""
    if k == 0:
        return 0.0, 0.0, 0.0, 0.0
    if not jper:
        return k * dper, k * dper, k * dper, 0.0
    rnd = random.Random(1)
    xs = sorted(sum(max(0.0, dper + rnd.uniform(-jper, jper)) for _ in range(int(k))) for _ in range(n))
    mean = sum(xs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / n)
    return xs[int(0.01 * (n - 1))], xs[int(0.5 * (n - 1))], xs[int(0.99 * (n - 1))], sd


if LAT:
    P("")
    P("2. latency injection: ping-pong of 1 byte, round-trip times in ms, in the network namespace")
    P("   added_q = RTT_q(config) - RTT_q(its base); expected_q = the delay asked at quantile q (jitter: uniform per crossing)")
    rows = [["config", "asked", "crossings x per-crossing", "RTT p50", "RTT p99", "RTT max",
             "expected added p1/p50/p99", "measured added p1/p50/p99", "err p50", "err p99", "stdev exp/meas", "target p99", "note"]]
    for cfg, kv in LAT.items():
        p1, p50, p99, mx, sd = (num(kv.get(x)) for x in ("p1", "p50", "p99", "max", "stdev"))
        asked = num(kv.get("asked_ms")) or 0
        jit = num(kv.get("jitter_ms")) or 0
        k = num(kv.get("crossings")) or 0
        dper, jper = num(kv.get("per_crossing_ms")) or 0, num(kv.get("per_crossing_jitter_ms")) or 0
        if p50 is None:
            rows.append([cfg, "", "", "n/a", "n/a", "n/a", "", "", "", "", "", "n/a", kv.get("error", "no data")])
            if asked:
                checks.append((f"latency {cfg}: |error p99| <= {LAT_TARGET:g} ms", None, "no data"))
            continue
        fmt = lambda x: "n/a" if x is None else f"{x:.2f}"  # noqa: E731
        if not asked:
            bd = LAT.get("base_direct", {})
            over = num(bd.get("p50"))
            note = "" if cfg == "base_direct" or over is None else f"path +{p50 - over:.3f} ms p50 over direct"
            rows.append([cfg, "-", "-", f"{p50:.3f}", f"{p99:.3f}", fmt(mx), "-", "-", "-", "-", f"-/{sd:.2f}", "-", note])
            continue
        b = LAT.get(kv.get("base", ""), {})
        b1, b50, b99 = num(b.get("p1")), num(b.get("p50")), num(b.get("p99"))
        e1, e50, e99, esd = expected(k, dper, jper)
        a1 = None if b1 is None else p1 - b1
        a50 = None if b50 is None else p50 - b50
        a99 = None if b99 is None else p99 - b99
        err50 = None if a50 is None else a50 - e50
        err99 = None if a99 is None else a99 - e99
        ok = None if err99 is None else abs(err99) <= LAT_TARGET
        spec = f"{asked:g}" + (f"+-{jit:g}" if jit else "")
        per = f"{k:g} x {dper:g}" + (f"+-{jper:g}" if jper else "")
        rows.append([cfg, spec, per, f"{p50:.3f}", f"{p99:.3f}", fmt(mx),
                     f"{e1:.2f}/{e50:.2f}/{e99:.2f}", f"{fmt(a1)}/{fmt(a50)}/{fmt(a99)}",
                     "n/a" if err50 is None else f"{err50:+.2f}", "n/a" if err99 is None else f"{err99:+.2f}",
                     f"{esd:.2f}/{sd:.2f}", verdict(ok), f"base {kv.get('base', '?')}"])
        if cfg.startswith("ref_"):
            rows[-1][-2], rows[-1][-1] = "(ref)", "python sleep() before echo: the box's timer floor"
            continue
        checks.append((f"latency {cfg} ({spec} ms): |error p99| <= {LAT_TARGET:g} ms", ok,
                       "n/a" if err99 is None else f"{err99:+.2f} ms (p50 {err50:+.2f} ms)"))
    table(rows)
    def late(cfg, over):
        path = os.path.join(d, f"latency.{cfg}.ms")
        kv = LAT.get(cfg, {})
        b = num(LAT.get(kv.get("base", ""), {}).get("p50"))
        if not os.path.exists(path) or b is None:
            return None
        xs = [float(x) for x in open(path) if x.strip()]
        return sum(1 for x in xs if x - b - num(kv.get("asked_ms")) > over) * 100.0 / max(1, len(xs))
    tails = [(cfg, late(cfg, 1), late(cfg, 2)) for cfg, kv in LAT.items() if num(kv.get("asked_ms")) and not num(kv.get("jitter_ms"))]
    tails = [t for t in tails if t[1] is not None]
    if tails:
        P("   late round trips (added > asked + 1 ms / + 2 ms, vs the base's p50): "
          + "; ".join(f"{c} {a:.1f} % / {b:.1f} %" for c, a, b in tails))
    n = next((kv.get("n") for kv in LAT.values() if kv.get("n")), "?")
    P(f"   {n} round trips per config; per-trip samples: latency.<config>.ms; load 1m during the step: {la_range(LAT.values())}")
    for cfg, kv in LAT.items():
        if kv.get("client_rc") not in (None, "0") or kv.get("error"):
            P(f"   {cfg}: problem: client exit {kv.get('client_rc')}, {kv.get('error', '')}")
    if "netem" in RUN and not RUN["netem"].startswith("available"):
        P("   netem configs skipped: " + RUN["netem"])

# ------------------------------------------------------------------ 3. bandwidth
bw = rounds("bandwidth")
if bw:
    P("")
    P("3. bandwidth limiting: download of BW_KBPS*BW_SECONDS bytes, rate = bytes / (connect() to EOF), KB = 1000 B")
    rows = [["config", "asked KB/s", "measured KB/s", "[min-max]", "error % (median)", "worst error %", "download s",
             "reps", "target"]]
    for cfg, runs in bw.items():
        asked = num(runs[0].get("asked_kBps"))
        med, lo, hi = median_of(runs, "rate_kBps")
        t = median_of(runs, "total_s")[0]
        if med is None or not asked:
            why = next((kv.get("error") for kv in runs if kv.get("error")), "no data")
            rows.append([cfg, "n/a" if asked is None else f"{asked:g}", "n/a", "", "", "", "", str(len(runs)), why])
            checks.append((f"bandwidth {cfg}: |error| <= {BW_TARGET:g} %", None, why))
            continue
        errs = [(num(kv.get("rate_kBps")) - asked) / asked * 100 for kv in runs if num(kv.get("rate_kBps")) is not None]
        worst = max(errs, key=abs)
        ok = abs(worst) <= BW_TARGET and len(errs) == len(runs)
        rows.append([cfg, f"{asked:g}", f"{med:.1f}", f"[{lo:.1f}-{hi:.1f}]", f"{(med - asked) / asked * 100:+.2f}",
                     f"{worst:+.2f}", f"{t:.3f}", str(len(runs)), verdict(ok)])
        checks.append((f"bandwidth {cfg}: |error| <= {BW_TARGET:g} % (every rep)", ok, f"worst {worst:+.2f} %"))
    table(rows)
    P(f"   load 1m during the step: {la_range([kv for r in bw.values() for kv in r])}; the kernel shapers count whole "
      "packets (headers, and the ACKs on the same lo), interpose counts payload")

# ------------------------------------------------------------------ 4. reset_peer
rs = RAW.get("reset", {}).get("interpose_reset_peer")
if rs:
    P("")
    P("4. reset_peer: time from sending 1 byte (the echo is the downstream's first data) to ECONNRESET, ms")
    asked = num(rs.get("asked_ms"))
    p50, p99, mx, mn = (num(rs.get(x)) for x in ("p50", "p99", "max", "min"))
    kinds = rs.get("kinds", "").split(",") if rs.get("kinds") else []
    nres = sum(1 for x in kinds if x == "reset")
    if p50 is None or asked is None:
        P(f"   no data ({rs.get('error', 'client failed')})")
        checks.append((f"reset_peer: |error p99| <= {LAT_TARGET:g} ms", None, "no data"))
    else:
        rows = [["config", "asked ms", "connections", "reset", "min", "p50", "p99", "max", "err p50", "err p99", "target p99"]]
        ok = abs(p99 - asked) <= LAT_TARGET and nres == len(kinds)
        rows.append(["interpose reset_peer", f"{asked:g}", str(len(kinds)), str(nres), f"{mn:.2f}", f"{p50:.2f}", f"{p99:.2f}",
                     f"{mx:.2f}", f"{p50 - asked:+.2f}", f"{p99 - asked:+.2f}", verdict(ok)])
        table(rows)
        other = sorted(set(x for x in kinds if x != "reset"))
        if other:
            P(f"   not a reset: {', '.join(f'{x} x{kinds.count(x)}' for x in other)}")
        if rs.get("warmup_ms"):
            P(f"   first {len(rs['warmup_ms'].split(','))} connection(s) of the fresh proxy, not counted: {rs['warmup_ms']} ms "
              f"({rs.get('warmup_kinds', '')})")
        P("   no netem equivalent (interpose's accuracy only); the target is the latency one (same timers), not the brief's")
        checks.append((f"reset_peer: every connection reset, |error p99| <= {LAT_TARGET:g} ms", ok,
                       f"{p99 - asked:+.2f} ms, {nres}/{len(kinds)} reset"))

P("")
P("targets:")
for label, ok, detail in checks:
    P(f"  [{verdict(ok)}] {label}: {detail}")
print("\n".join(out))
