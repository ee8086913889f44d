#!/usr/bin/env python3
"""Client and proxy outputs of scripts/bench-tls -> 'key<TAB>value' lines for raw.tsv.

  tls_parse.py h2load FILE                   rps (succeeded requests / duration), requests, failed (failed +
                                             errored + timeout), non_2xx, mean_ms (time for request), proto,
                                             client_cipher
  tls_parse.py wrk FILE                      rps, requests, socket_errors, non_2xx, p50_ms, p99_ms
  tls_parse.py stime WALL_S NGINX_LOG F...   conns_per_s (sum of `openssl s_time` connections / wall time),
                                             conns, bytes_per_conn (smallest), upstream_sessions and
                                             upstream_resumed (nginx's log of the run), upstream_tls
  tls_parse.py curl BYTES FILE NGINX_LOG     mbps (10^6 B/s: bytes / time over all downloads), downloads,
                                             http_version, upstream_tls (nginx's log), error when a download
                                             was not 200 with BYTES bytes
  tls_parse.py sclient FILE                  client_tls: protocol, cipher suite, signature type, key exchange
  tls_parse.py interpose FILE.log            tls_intercepted, tls_client_failed, tls_upstream_failed
"""
import re
import sys
from collections import Counter

UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def out(k, v):
    print(f"{k}\t{str(v).replace(chr(9), ' ')}")


def h2load(path):
    txt = open(path, errors="replace").read()
    m = re.search(r"^finished in ([\d.]+)s, ([\d.]+) req/s", txt, re.M)
    r = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", txt, re.M)
    if not m or not r:
        last = [line for line in txt.splitlines() if line.strip()][-1:] or ["no output"]
        out("error", "no h2load result: " + last[0][:200])
        return
    secs, ok = float(m.group(1)), int(r.group(4))
    out("requests", ok)
    out("failed", int(r.group(5)) + int(r.group(6)) + int(r.group(7)))
    s = re.search(r"^status codes: (\d+) 2xx", txt, re.M)
    if s:
        out("non_2xx", ok - int(s.group(1)) if int(s.group(1)) <= ok else 0)
    if ok == 0:
        out("error", "no request succeeded")
    elif secs > 0:
        out("rps", f"{ok / secs:.1f}")
    t = re.search(r"^time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\s", txt, re.M)
    if t:
        out("mean_ms", f"{float(t.group(1)) * UNIT_MS[t.group(2)]:.3f}")
    p = re.search(r"^Application protocol: (\S+)", txt, re.M)
    out("proto", p.group(1) if p else "none")
    c = re.search(r"^Cipher: (\S+)", txt, re.M)
    if c:
        out("client_cipher", c.group(1))


def wrk(path):
    txt = open(path, errors="replace").read()
    n = re.search(r"(\d+) requests in ([\d.]+)(\w+)", txt)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", txt)
    if not n or not rps:
        out("error", "no wrk result: " + " ".join(txt.split())[:200])
        return
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", txt)
    nerr = sum(int(x) for x in errs.groups()) if errs else 0
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
    good = int(n.group(1)) - (int(non2.group(1)) if non2 else 0)
    out("requests", good)
    out("socket_errors", nerr)
    out("non_2xx", non2.group(1) if non2 else 0)
    if good == 0:
        out("error", f"no request answered ({nerr} socket errors)")
    else:
        out("rps", rps.group(1))
    for q, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)", txt, re.M)
        if m:
            out(key, f"{float(m.group(1)) * UNIT_MS[m.group(2)]:.3f}")


def nginx_log(path):
    rows = [line.split() for line in open(path, errors="replace") if line.strip()]
    return rows


def upstream(rows):
    tls = Counter(f"{r[1]} {r[2]}" for r in rows if len(r) >= 3)
    if tls:
        out("upstream_tls", tls.most_common(1)[0][0])


def stime(wall, nginx, *files):
    conns, per, errs = 0, [], []
    for f in files:
        txt = open(f, errors="replace").read()
        m = re.search(r"^(\d+) connections in \d+ real seconds, (\d+) bytes read per connection", txt, re.M)
        if not m:
            errs.append(" ".join(txt.replace("*", "").split())[:160] or "no output")
            continue
        conns += int(m.group(1))
        per.append(int(m.group(2)))
    out("conns", conns)
    if per:
        out("bytes_per_conn", min(per))
    if errs:
        out("error", f"{len(errs)} of {len(files)} s_time runs gave no result: {errs[0]}")
    elif conns == 0:
        out("error", "no connection completed")
    elif per and min(per) == 0:
        out("error", "connections completed but no response was read")
    if conns and float(wall) > 0:
        out("conns_per_s", f"{conns / float(wall):.1f}")
    rows = nginx_log(nginx)
    out("upstream_sessions", len(rows))
    out("upstream_resumed", sum(1 for r in rows if r and r[0] == "r"))
    upstream(rows)


def curl(expect, path, nginx):
    lines = [line.split() for line in open(path, errors="replace") if line.strip()]
    total_b, total_t, bad, ver = 0, 0.0, [], set()
    for f in lines:
        if len(f) < 5:
            bad.append(" ".join(f))
            continue
        code, size, t, _, v = f[:5]
        ver.add(v)
        if code != "200" or int(size) != int(expect):
            bad.append(f"HTTP {code}, {size} B")
            continue
        total_b += int(size)
        total_t += float(t)
    out("downloads", len(lines) - len(bad))
    if ver:
        out("http_version", ",".join(sorted(ver)))
    if bad or not lines:
        out("error", f"{len(bad)} of {len(lines)} downloads failed: {bad[0] if bad else 'no output'}")
    if total_t > 0:
        out("mbps", f"{total_b / total_t / 1e6:.1f}")
        out("bytes", total_b)
    upstream(nginx_log(nginx))


def sclient(path):
    txt = open(path, errors="replace").read()
    v = {k: (re.search(rf"^{k}: (.+)$", txt, re.M) or [None, "?"])[1].strip()
         for k in ("Protocol version", "Ciphersuite", "Signature type", "Server Temp Key")}
    if "CONNECTION ESTABLISHED" not in txt:
        out("client_tls", "handshake failed")
        return
    out("client_tls", f"{v['Protocol version']} {v['Ciphersuite']} {v['Signature type']} "
        f"{v['Server Temp Key'].split(',')[0]}")


def interpose(path):
    txt = open(path, errors="replace").read()
    m = re.search(r"tls: (\d+) intercepted, (\d+) client handshakes? failed, (\d+) upstream handshakes? failed", txt)
    if m:
        out("tls_intercepted", m.group(1))
        out("tls_client_failed", m.group(2))
        out("tls_upstream_failed", m.group(3))


if __name__ == "__main__":
    {"h2load": h2load, "wrk": wrk, "stime": stime, "curl": curl, "sclient": sclient,
     "interpose": interpose}[sys.argv[1]](*sys.argv[2:])
