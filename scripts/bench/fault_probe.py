#!/usr/bin/env python3
"""Clients and a server for scripts/bench-faults (each prints one JSON line on stdout, or 'listening').

  fault_probe.py bulk-server HOST PORT BYTES
        every connection gets BYTES bytes, then the server's FIN; it then reads until the client closes.
  fault_probe.py delay-echo-server HOST PORT MS
        an echo server that answers each read MS ms after it arrived (time.sleep), one thread per
        connection: the round trip a plain userspace timer gets on this box (a reference, not a peer).
  fault_probe.py pingpong HOST PORT N WARMUP SAMPLES_FILE
        one connection (TCP_NODELAY), WARMUP + N round trips of 1 byte to an echo server; the N round-trip
        times (ms, one a line) go to SAMPLES_FILE; JSON: n, p50, p99, min, max, mean, stdev (ms).
  fault_probe.py download HOST PORT
        connect, read to EOF; JSON: bytes, connect_ms, first_byte_ms, total_s (connect() called to EOF),
        rate_kBps (bytes / total_s / 1000: Toxiproxy's KB is 1000 bytes).
  fault_probe.py reset HOST PORT COUNT [WARMUP]
        WARMUP (0) + COUNT times: connect, send 1 byte, time until the connection is reset (ECONNRESET /
        EPIPE); JSON: ms and kinds (reset, eof, timeout, error text) of the COUNT connections (from the
        send to the reset), stats of ms, and warmup_ms / warmup_kinds of the first WARMUP apart (a fresh
        proxy's first connection also pays its first upstream connect).
"""
import json
import math
import signal
import socket
import sys
import time


def pct(xs, q):
    """Percentile by linear interpolation between closest ranks (xs sorted)."""
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats(ms):
    xs = sorted(ms)
    n = len(xs)
    mean = sum(xs) / n if n else float("nan")
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "min": xs[0] if xs else None, "p1": pct(xs, 1), "p50": pct(xs, 50), "p99": pct(xs, 99),
            "max": xs[-1] if xs else None, "mean": mean, "stdev": sd}


def connect(host, port, timeout=30):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def bulk_server(host, port, nbytes):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(128)
    print("listening", flush=True)
    chunk = b"x" * 65536
    while True:
        c, _ = ls.accept()
        c.settimeout(120)
        try:
            left = nbytes
            while left > 0:
                sent = c.send(chunk[:min(left, len(chunk))])
                left -= sent
            c.shutdown(socket.SHUT_WR)
            while c.recv(65536):
                pass
        except OSError:
            pass
        finally:
            c.close()


def delay_echo_server(host, port, ms):
    import threading
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(128)
    print("listening", flush=True)

    def serve(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                b = c.recv(65536)
                t = time.perf_counter()
                if not b:
                    break
                left = t + ms / 1000.0 - time.perf_counter()
                if left > 0:
                    time.sleep(left)
                c.sendall(b)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def pingpong(host, port, n, warmup, path):
    s = connect(host, port)
    ms = []
    for i in range(warmup + n):
        t0 = time.perf_counter_ns()
        s.sendall(b"x")
        got = s.recv(16)
        t1 = time.perf_counter_ns()
        if not got:
            print(json.dumps({"error": f"connection closed after {i} round trips"}))
            return 1
        if i >= warmup:
            ms.append((t1 - t0) / 1e6)
    s.close()
    with open(path, "w") as f:
        f.write("".join(f"{x:.4f}\n" for x in ms))
    print(json.dumps(stats(ms)))
    return 0


def download(host, port):
    t0 = time.perf_counter()
    s = connect(host, port, timeout=120)
    t1 = time.perf_counter()
    total, first = 0, None
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        if first is None:
            first = time.perf_counter()
        total += len(b)
    t2 = time.perf_counter()
    s.close()
    dt = t2 - t0
    print(json.dumps({"bytes": total, "connect_ms": (t1 - t0) * 1e3,
                      "first_byte_ms": ((first or t2) - t0) * 1e3, "total_s": dt,
                      "rate_kBps": total / dt / 1000 if dt > 0 else None}))
    return 0


def reset(host, port, count, warmup):
    ms, kinds = [], []
    for _ in range(warmup + count):
        s = connect(host, port, timeout=30)
        t0 = time.perf_counter_ns()
        kind = None
        try:
            s.sendall(b"x")
            while True:  # the echo may or may not come back before the reset, depending on the stream
                if not s.recv(16):
                    kind = "eof"
                    break
        except (ConnectionResetError, BrokenPipeError):
            kind = "reset"
        except socket.timeout:
            kind = "timeout"
        except OSError as e:
            kind = f"error {e.errno}"
        t1 = time.perf_counter_ns()
        s.close()
        ms.append((t1 - t0) / 1e6)
        kinds.append(kind)
    out = {"warmup_ms": ms[:warmup], "warmup_kinds": kinds[:warmup], "ms": ms[warmup:], "kinds": kinds[warmup:]}
    print(json.dumps({**out, **stats(ms[warmup:])}))
    return 0


def main(a):
    if len(a) >= 4 and a[0] == "bulk-server":
        return bulk_server(a[1], int(a[2]), int(a[3]))
    if len(a) == 4 and a[0] == "delay-echo-server":
        return delay_echo_server(a[1], int(a[2]), float(a[3]))
    if len(a) == 6 and a[0] == "pingpong":
        return pingpong(a[1], int(a[2]), int(a[3]), int(a[4]), a[5])
    if len(a) == 3 and a[0] == "download":
        return download(a[1], int(a[2]))
    if len(a) in (4, 5) and a[0] == "reset":
        return reset(a[1], int(a[2]), int(a[3]), int(a[4]) if len(a) == 5 else 0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
