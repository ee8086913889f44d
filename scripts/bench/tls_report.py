#!/usr/bin/env python3
"""The summary of a scripts/bench-tls run: tls_report.py OUT_DIR  (reads OUT_DIR/raw.tsv, env.txt)."""
import os

import benchdata
import sys
from collections import OrderedDict

d = sys.argv[1]
WORKLOADS = OrderedDict([  # name -> (title, figure key, unit, cpu unit)
    ("h1_rps", ("HTTP/1.1 keep-alive requests/s (h2load --h1, GET / 6 B)", "rps", "req/s", "us/req")),
    ("h2_rps", ("HTTP/2 requests/s (h2load -c C -m M, GET / 6 B)", "rps", "req/s", "us/req")),
    ("handshakes", ("new TLS connections/s (openssl s_time -new, 1 request each)", "conns_per_s", "conn/s", "ms/conn")),
    ("bulk_h1", ("bulk download MB/s, HTTP/1.1 (curl)", "mbps", "MB/s", "s/GB")),
    ("bulk_h2", ("bulk download MB/s, HTTP/2 (curl)", "mbps", "MB/s", "s/GB")),
    ("wrk_ip", ("wrk requests/s, SNI = 127.0.0.1 (wrk -t2 -c C)", "rps", "req/s", "us/req")),
])
CPU_MIN_S = 0.05  # /proc counts CPU in 10 ms ticks: below this a CPU figure is shown with '~' and not used in ratios

RAW = benchdata.raw(d)  # workload@rN -> config -> key -> value


def num(kv, k):
    try:
        return float(kv[k])
    except (KeyError, ValueError, TypeError):
        return None


# per workload and config: the round with the median figure (all its figures), [min-max] over the rounds
R = OrderedDict()
runs = OrderedDict()
for wlr, cfgs in RAW.items():
    base = wlr.split("@")[0]
    if base not in WORKLOADS:
        continue
    for cfg, kv in cfgs.items():
        runs.setdefault(base, OrderedDict()).setdefault(cfg, []).append(kv)
for base, cfgs in runs.items():
    key = WORKLOADS[base][1]
    for cfg, lst in cfgs.items():
        good = sorted((kv for kv in lst if num(kv, key) is not None and "error" not in kv), key=lambda kv: num(kv, key))
        chosen = dict(good[(len(good) - 1) // 2] if good else lst[-1])
        chosen["_rounds"], chosen["_good"] = len(lst), len(good)
        if len(good) > 1:
            chosen["_min"], chosen["_max"] = num(good[0], key), num(good[-1], key)
        errs = [kv["error"] for kv in lst if "error" in kv]
        if errs:
            chosen["_errors"] = f"{len(errs)} of {len(lst)} rounds failed: {errs[0]}"
        for flag in ("client_rc", "exit_rc"):
            bad = [kv[flag] for kv in lst if kv.get(flag) not in (None, "0")]
            if bad:
                chosen["_" + flag] = bad[0]
        if any(kv.get("hung_at_stop") for kv in lst):
            chosen["_hung"] = "1"
        R.setdefault(base, OrderedDict())[cfg] = chosen


def g(wl, cfg, k):
    return num(R.get(wl, {}).get(cfg, {}), k)


def s(wl, cfg, k):
    return R.get(wl, {}).get(cfg, {}).get(k)


def fig(wl, cfg):
    if s(wl, cfg, "_good") == 0:
        return None
    return g(wl, cfg, WORKLOADS[wl][1])


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


def cpu_per(wl, cfg, coarse_ok=True):
    c = g(wl, cfg, "proxy_cpu_s")
    if cfg == "direct" or c is None or (not coarse_ok and c < CPU_MIN_S):
        return None
    if wl.endswith("_rps") or wl == "wrk_ip":
        n = g(wl, cfg, "requests")
        return c / n * 1e6 if n else None
    if wl == "handshakes":
        n = g(wl, cfg, "conns")
        return c / n * 1e3 if n else None
    b = g(wl, cfg, "bytes")
    return c / (b / 1e9) if b else None


def human(n):
    if n is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def table(rows, left=1):
    return benchdata.table(rows, left=left, last_left=True)


out = []
P = out.append
env = benchdata.env_text(d)
P(f"bench-tls {os.path.basename(d)}   (all on 127.0.0.1: client, proxy and nginx share the machine's CPUs)")
for line in env.splitlines():
    if line.startswith(("cpus:", "interpose:", "mitmproxy:", "nginx:", "haproxy:", "settings:", "loadavg")):
        P("  " + line)
nr = max([s(wl, c, "_rounds") or 1 for wl in R for c in R[wl]] or [1])
P(f"  each row: the round with the median figure of {nr} round(s), [min-max] over them; ratios: this row's median /")
P("  the named config's median (higher is better); CPU: the proxy's user+sys CPU per unit (lower is better;")
P(f"  '~': under {CPU_MIN_S} s in all, a few 10 ms ticks of /proc, rough).")
notes = []
for wl, (title, key, unit, cu) in WORKLOADS.items():
    if wl not in R:
        continue
    P("")
    P(f"{title}")
    rows = [["config", unit, "[min-max]", "vs mitmproxy", "vs haproxy", "vs direct", f"CPU {cu}", "peak RSS MB", "notes"]]
    for cfg in R[wl]:
        v = fig(wl, cfg)
        lo, hi = g(wl, cfg, "_min"), g(wl, cfg, "_max")
        cpu = cpu_per(wl, cfg)
        rss = g(wl, cfg, "peak_rss_mb")
        extra = []
        if s(wl, cfg, "proto") and wl.endswith("_rps"):
            extra.append(s(wl, cfg, "proto"))
        if wl == "handshakes" and g(wl, cfg, "upstream_sessions"):
            extra.append(f"upstream resumed {g(wl, cfg, 'upstream_resumed') / g(wl, cfg, 'upstream_sessions') * 100:.0f}%")
        if wl == "bulk_h1" and s(wl, cfg, "client_tls"):
            extra.append("client leg " + s(wl, cfg, "client_tls"))
        if wl.startswith("bulk") and s(wl, cfg, "upstream_tls"):
            extra.append("nginx leg " + s(wl, cfg, "upstream_tls"))
        if s(wl, cfg, "capture_file_bytes"):
            cap = f"capture {human(g(wl, cfg, 'capture_file_bytes'))}"
            if cfg.startswith("interpose"):
                dropped = g(wl, cfg, "capture_dropped_bytes")
                cap += " (no capture summary)" if dropped is None else (", 0 B lost" if dropped == 0 else f", LOST {human(dropped)}")
            extra.append(cap)
        flags = []
        for k, text in (("_errors", "{}"), ("_client_rc", "client exit {}"), ("_exit_rc", "proxy exit {} after SIGTERM"),
                        ("_hung", "proxy did not exit after SIGTERM (killed)")):
            if s(wl, cfg, k) and not (k == "_exit_rc" and not cfg.startswith("interpose")):  # haproxy -db: 143 on TERM
                flags.append(text.format(s(wl, cfg, k)))
        if g(wl, cfg, "failed"):
            flags.append(f"{g(wl, cfg, 'failed'):.0f} requests failed")
        if g(wl, cfg, "non_2xx"):
            flags.append(f"{g(wl, cfg, 'non_2xx'):.0f} non-2xx")
        if g(wl, cfg, "tls_upstream_failed") or g(wl, cfg, "tls_client_failed"):
            flags.append(f"interpose: {g(wl, cfg, 'tls_client_failed') or 0:.0f} client / "
                         f"{g(wl, cfg, 'tls_upstream_failed') or 0:.0f} upstream handshakes failed")
        if flags:
            notes.append(f"  {wl} via {cfg}: " + "; ".join(flags))
        rows.append([cfg, (fmt(v) if v is not None else "FAILED") + (" *" if flags else ""),
                     f"[{fmt(lo)}-{fmt(hi)}]" if lo is not None else "-",
                     ratio(v, fig(wl, "mitmproxy")), ratio(v, fig(wl, "haproxy")), ratio(v, fig(wl, "direct")),
                     "-" if cpu is None else ("~" if (g(wl, cfg, "proxy_cpu_s") or 0) < CPU_MIN_S else "")
                     + (f"{cpu:.2f}" if cpu < 100 else f"{cpu:.0f}"),
                     "-" if rss is None or cfg == "direct" else f"{rss:.0f}", "; ".join(extra)])
    P(table(rows))
if notes:
    P("")
    P("* problems seen:")
    P("\n".join(notes))

# probe: IP address as SNI
probe = RAW.get("probe_ip_sni", {})
if probe:
    P("")
    P("probe: a client that sends the address 127.0.0.1 as SNI (wrk; RFC 6066 forbids it, curl/openssl send none):")
    for cfg, kv in probe.items():
        ok = num(kv, "requests") and "error" not in kv
        why = kv.get("reason") or kv.get("error") or ""
        P(f"  {cfg}: {'ok' if ok else 'FAILED'} ({kv.get('requests', 0)} requests answered in 1 s"
          f"{', ' + kv.get('socket_errors', '0') + ' socket errors' if kv.get('socket_errors') not in (None, '0') else ''})"
          f"{': ' + why if why and not ok else ''}")

# summary: the key ratios
P("")
P("summary: Interpose vs mitmproxy (median / median; higher is better, CPU column lower is better)")
rows = [["workload", "interpose/mitmproxy", "capture: interpose/mitmproxy_save", "interpose/haproxy",
         "interpose/direct", "CPU per unit interpose/mitmproxy"]]
for wl in WORKLOADS:
    if wl not in R:
        continue
    iv = fig(wl, "interpose")
    cpu_i, cpu_m = cpu_per(wl, "interpose", False), cpu_per(wl, "mitmproxy", False)
    rows.append([wl, ratio(iv, fig(wl, "mitmproxy")), ratio(fig(wl, "interpose_capture"), fig(wl, "mitmproxy_save")),
                 ratio(iv, fig(wl, "haproxy")), ratio(iv, fig(wl, "direct")),
                 f"{cpu_i / cpu_m:.2f}x" if cpu_i is not None and cpu_m else "-"])
P(table(rows))
for wl in ("h1_rps", "handshakes", "bulk_h1"):
    if wl in R:
        P(f"  {WORKLOADS[wl][0].split(' (')[0]}: interpose {fmt(fig(wl, 'interpose'))} vs mitmproxy "
          f"{fmt(fig(wl, 'mitmproxy'))} {WORKLOADS[wl][2]} ({ratio(fig(wl, 'interpose'), fig(wl, 'mitmproxy'))}); "
          f"haproxy {fmt(fig(wl, 'haproxy'))}, direct {fmt(fig(wl, 'direct'))}")
print("\n".join(out))
