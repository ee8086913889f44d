#!/usr/bin/env python3
"""The summary of a scripts/bench-proxy run: report.py OUT_DIR  (reads OUT_DIR/raw.tsv, env.txt)."""
import os

import benchdata
import sys
from collections import OrderedDict

d = sys.argv[1]
RAW = benchdata.raw(d)   # workload (with @rN for rounds) -> config -> key -> value

# Rounds: per workload and config, the round with the median rate is shown (all its figures); the
# spread of the rate over the rounds and the capture loss summed over all rounds are kept beside it.
R = OrderedDict()
rounds = OrderedDict()
for wlr, cfgs in RAW.items():
    base = wlr.split("@")[0]
    for cfg, kv in cfgs.items():
        rounds.setdefault(base, OrderedDict()).setdefault(cfg, []).append(kv)
for base, cfgs in rounds.items():
    for cfg, runs in cfgs.items():
        key = "gbps" if base.startswith("iperf") else "rps"

        def rate(kv):
            try:
                return float(kv[key])
            except (KeyError, ValueError):
                return None
        good = sorted((kv for kv in runs if rate(kv) is not None), key=rate)
        chosen = dict(good[(len(good) - 1) // 2] if good else runs[-1])
        chosen["_rounds"] = len(runs)
        if len(good) > 1:
            chosen["_min"], chosen["_max"] = rate(good[0]), rate(good[-1])
        drops = [kv.get("capture_dropped_bytes") for kv in runs]
        if any(x is not None for x in drops):
            chosen["capture_dropped_bytes"] = sum(float(x) for x in drops if x is not None)
            chosen["capture_dropped_records"] = sum(float(kv.get("capture_dropped_records", 0)) for kv in runs)
            if any(x is None for x in drops):
                chosen["capture_summary"] = "missing"
        for flag in ("client_rc", "exit_rc"):
            bad = [kv[flag] for kv in runs if kv.get(flag) not in (None, "0")]
            if bad:
                chosen[flag] = bad[0]
        if any(kv.get("hung_at_stop") for kv in runs):
            chosen["hung_at_stop"] = "1"
        R.setdefault(base, OrderedDict())[cfg] = chosen


def g(wl, cfg, k):
    try:
        return float(R[wl][cfg][k])
    except (KeyError, ValueError):
        return None


def s(wl, cfg, k):
    return R.get(wl, {}).get(cfg, {}).get(k)


def human(n):
    if n is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def table(rows):
    return benchdata.table(rows, left=2)


out = []
P = out.append
env = benchdata.env_text(d)
P(f"bench-proxy {os.path.basename(d)}   (all on 127.0.0.1; client, server and proxy share the machine's CPUs)")
for line in env.splitlines():
    if line.startswith(("cpus:", "interpose:", "settings:", "loadavg")):
        P("  " + line)
P("")

NAMES = {"iperf_P1": "iperf3 1 stream", "iperf_P4": "iperf3 4 streams", "redis_c50": "redis GET c50",
         "redis_c1": "redis GET c1"}
hdr = ["workload", "config", "result", "vs haproxy", "p50 ms", "p99 ms", "p99 vs hap", "CPU s/GB",
       "CPU us/op", "peak RSS MB", "capture (loss / file)"]
rows = [hdr]
notes = []
for wl in [w for w in R if w != "idle"]:
    cfgs = R[wl]
    iperf = wl.startswith("iperf")
    key = "gbps" if iperf else "rps"
    base = g(wl, "haproxy", key)
    base_p99 = g(wl, "haproxy", "p99_ms")
    direct_rps = g(wl, "direct", "rps")
    for cfg in cfgs:
        v = g(wl, cfg, key)
        if v is None:
            res = "FAILED" + (f" ({s(wl, cfg, 'error')})" if s(wl, cfg, "error") else "")
        elif iperf:
            res = f"{v:.2f} Gbit/s"
        else:
            res = f"{v / 1000:.1f}k GET/s"
            if wl == "redis_c1" and cfg != "direct" and direct_rps and v:
                res += f" (+{1e6 / v - 1e6 / direct_rps:.1f} us RTT)"
        lo, hi = g(wl, cfg, "_min"), g(wl, cfg, "_max")
        if lo is not None and hi is not None:
            res += f" [{lo:.1f}-{hi:.1f}]" if iperf else f" [{lo / 1000:.1f}-{hi / 1000:.1f}k]"
        ratio = f"{v / base:.2f}x" if v is not None and base else "-"
        p50, p99 = g(wl, cfg, "p50_ms"), g(wl, cfg, "p99_ms")
        pr = f"{p99 / base_p99:.2f}x" if p99 is not None and base_p99 else "-"
        cpu, b, n = g(wl, cfg, "proxy_cpu_s"), g(wl, cfg, "bytes"), g(wl, cfg, "requests")
        proxied = cfg != "direct"
        spg = f"{cpu / (b / 1e9):.2f}" if proxied and cpu is not None and b else "-"
        upo = f"{cpu / n * 1e6:.1f}" if proxied and cpu is not None and n else "-"
        rss = g(wl, cfg, "peak_rss_mb")
        cap = "-"
        if cfg.startswith("interpose") and (s(wl, cfg, "capture_packets") or s(wl, cfg, "capture_summary")):
            if s(wl, cfg, "capture_summary") == "missing":
                cap = "NO SUMMARY"
            else:
                dropped = g(wl, cfg, "capture_dropped_bytes") or 0
                recs = g(wl, cfg, "capture_dropped_records") or 0
                loss = "0 B lost" if dropped == 0 and recs == 0 else f"LOST {human(dropped)} ({recs:.0f} rec)"
                cap = f"{loss} / {human(g(wl, cfg, 'capture_file_bytes'))}"
        flags = []
        if s(wl, cfg, "client_rc") not in (None, "0"):
            flags.append(f"client exit {s(wl, cfg, 'client_rc')}")
        if cfg.startswith("interpose") and s(wl, cfg, "exit_rc") not in (None, "0"):
            flags.append(f"proxy exit {s(wl, cfg, 'exit_rc')} after SIGTERM")
        if s(wl, cfg, "hung_at_stop"):
            flags.append("proxy did not exit after SIGTERM (killed)")
        if s(wl, cfg, "capture_error"):  # noqa
            flags.append(s(wl, cfg, "capture_error"))
        if flags:
            notes.append(f"  {NAMES.get(wl, wl)} via {cfg}: " + "; ".join(flags))
            res += " *"
        rows.append([NAMES.get(wl, wl), cfg, res, ratio, "-" if p50 is None else f"{p50:.3f}",
                     "-" if p99 is None else f"{p99:.3f}", pr if not iperf else "-", spg, upo,
                     "-" if rss is None or not proxied else f"{rss:.1f}", cap])
P(table(rows))
nr = max((g(wl, c, "_rounds") or 1) for wl in R for c in R[wl])
if nr > 1:
    P(f"  {nr:.0f} rounds (round-robin over all tests): each row is the round with the median rate, [min-max] over the")
    P("  rounds; capture loss is summed over all rounds.")
P("  CPU s/GB: proxy CPU seconds (user+sys) per GB moved (iperf3: bytes received; redis: redis-server's")
P("  net bytes in+out). CPU us/op: per request. vs haproxy: rate ratio (higher is better); p99 vs hap: lower is better.")
P("  peak RSS: VmHWM just before SIGTERM (socat: summed over its fork children, sampled during the load).")
P("  +RTT: 1/rate - 1/rate(direct), the mean round trip the proxy adds on one connection.")
if notes:
    P("  * " + "\n".join(notes).lstrip())

if "idle" in R:
    P("")
    rows = [["idle connections", "config", "held", "served", "alive after hold", "RSS before MB",
             "RSS held MB", "target MB", "proxy fds", "verdict"]]
    for cfg in R["idle"]:
        n = g("idle", cfg, "requested") or 0
        served, alive = g("idle", cfg, "served"), g("idle", cfg, "alive_after_hold")
        rss = g("idle", cfg, "rss_held_mb")
        target = 64 + n * 64 / 1024
        ok = served == n and alive == n and rss is not None and rss <= target
        verdict = "ok" if ok else "MISS"
        if s("idle", cfg, "error"):
            verdict = "FAILED: " + s("idle", cfg, "error")
        rows.append([f"{n:.0f} requested" + (f" (of {s('idle', cfg, 'capped_from')})" if s("idle", cfg, "capped_from") else ""),
                     cfg, s("idle", cfg, "proxy_client_sockets_established") or "n/a",
                     "n/a" if served is None else f"{served:.0f}", "n/a" if alive is None else f"{alive:.0f}",
                     s("idle", cfg, "rss_before_mb") or "n/a", "n/a" if rss is None else f"{rss:.1f}",
                     f"{target:.0f}", s("idle", cfg, "proxy_fds") or "n/a", verdict])
    P(table(rows))
    P("  served: one byte echoed client -> proxy -> echo upstream -> back; alive: echoed again after the idle hold;")
    P("  held: client-side sockets ESTABLISHED at the proxy while idle; target: 64 MB + 64 KB per connection.")
    for cfg in R["idle"]:
        e = s("idle", cfg, "client_errors")
        if e and e != "none":
            P(f"  {cfg} client errors: {e}")
        if s("idle", cfg, "capped_from"):
            P(f"  {cfg}: capped from {s('idle', cfg, 'capped_from')}: the open-file hard limit lets the proxy hold "
              f"only that many (2 descriptors per connection)")
        if s("idle", cfg, "exit_rc") not in (None, "0"):
            P(f"  {cfg}: proxy exit {s('idle', cfg, 'exit_rc')} after SIGTERM")

# targets of issue 2
P("")
P("targets (issue 2):")


def check(label, ok, detail):
    P(f"  [{'ok' if ok else 'MISS' if ok is not None else 'n/a'}] {label}: {detail}")


for wl in ("iperf_P1", "iperf_P4"):
    h = g(wl, "haproxy", "gbps")
    for cfg, want in (("interpose_capture", 0.8), ("interpose", 1.0)):
        v = g(wl, cfg, "gbps")
        ok = None if v is None or not h else v >= want * h
        check(f"{NAMES[wl]} {cfg} >= {want}x haproxy", ok, "n/a" if ok is None else f"{v / h:.2f}x")
for wl in ("iperf_P1", "iperf_P4"):
    h, v = g(wl, "haproxy", "gbps"), g(wl, "interpose_capture_block", "gbps")
    if v is not None and h:
        P(f"  [info] {NAMES[wl]} lossless capture (interpose_capture_block) vs haproxy: {v / h:.2f}x")
h, hp = g("redis_c50", "haproxy", "rps"), g("redis_c50", "haproxy", "p99_ms")
v, vp = g("redis_c50", "interpose_capture", "rps"), g("redis_c50", "interpose_capture", "p99_ms")
ok = None if v is None or not h else v >= h
check("redis c50 GET rate with capture >= 1.0x haproxy", ok, "n/a" if ok is None else f"{v / h:.2f}x")
ok = None if vp is None or hp is None else vp <= hp
check("redis c50 p99 with capture no worse than haproxy", ok, "n/a" if ok is None else f"{vp:.3f} vs {hp:.3f} ms")
lost = [(f"{NAMES.get(wl, wl)}{'' if c == 'interpose_capture' else ' (block)'}", g(wl, c, "capture_dropped_bytes"))
        for wl in R for c in ("interpose_capture", "interpose_capture_block") if c in R[wl] and wl != "idle"]
known = [x for x in lost if x[1] is not None]
ok = None if not known else all(x[1] == 0 for x in known) and len(known) == len(lost)
check("capture loss zero bytes", ok, ", ".join(f"{w}: {'n/a' if b is None else human(b)}" for w, b in lost) or "n/a")
if "idle" in R:
    for cfg in R["idle"]:
        n, rss = g("idle", cfg, "requested") or 0, g("idle", cfg, "rss_held_mb")
        ok = None if rss is None else (rss <= 64 + n / 16 and g("idle", cfg, "served") == n
                                       and g("idle", cfg, "alive_after_hold") == n)
        check(f"{n:.0f} idle connections via {cfg} held, RSS <= {64 + n / 16:.0f} MB", ok,
              "n/a" if rss is None else f"{rss:.1f} MB, {g('idle', cfg, 'served'):.0f} served, "
              f"{g('idle', cfg, 'alive_after_hold'):.0f} alive")
print("\n".join(out))
