#!/usr/bin/env python3
"""A paced Redis client for the timing-fidelity step of scripts/bench-replay.

  paced_redis.py HOST PORT N [CONNECTIONS=2] [SEED=1] [MIN_MS=1] [MAX_MS=30]

N requests in all, split over CONNECTIONS connections run side by side (threads). Each connection
alternates SET fid:cK:I and GET fid:cK:I, waits for each reply, then thinks a deterministic
pseudo-random time between MIN_MS and MAX_MS (random.Random(SEED * 1000 + K)) before the next
request; no think time after the last one. Connection K starts K * 5 ms after the first, so the
connections are in the same order in a recording and in its replay. The key carries the connection
(fid:cK:), which is how replay_fidelity.py pairs the streams of two captures.

Prints one JSON line: requests sent, replies received, think time in all (s), wall time (s), errors.
"""
import json
import random
import socket
import sys
import threading
import time


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return line
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n + 2)[:-2]
        if kind == b"*":
            return [self.reply() for _ in range(max(0, int(rest)))]
        raise ValueError(f"unexpected reply {line[:40]!r}")


def run(host, port, k, count, seed, lo, hi, result):
    rng = random.Random(seed * 1000 + k)
    time.sleep(k * 0.005)
    sent = received = 0
    think = 0.0
    err = None
    try:
        s = socket.create_connection((host, port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        r = Reader(s)
        for i in range(count):
            key = f"fid:c{k}:{i // 2}"
            req = command("SET", key, f"v{i}") if i % 2 == 0 else command("GET", key)
            s.sendall(req)
            sent += 1
            r.reply()
            received += 1
            if i + 1 < count:
                t = rng.uniform(lo, hi) / 1000.0
                think += t
                time.sleep(t)
        s.close()
    except Exception as e:  # noqa: BLE001
        err = f"connection {k}: {e}"
    result[k] = (sent, received, think, err)


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    lo = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
    hi = float(sys.argv[7]) if len(sys.argv) > 7 else 30.0
    shares = [n // conns + (1 if k < n % conns else 0) for k in range(conns)]
    result = {}
    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(host, port, k, shares[k], seed, lo, hi, result)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    errs = [v[3] for v in result.values() if v[3]]
    print(json.dumps({
        "requests": sum(v[0] for v in result.values()),
        "replies": sum(v[1] for v in result.values()),
        "think_s": round(sum(v[2] for v in result.values()), 3),
        "wall_s": round(wall, 3),
        "connections": conns,
        "errors": errs,
    }))
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
