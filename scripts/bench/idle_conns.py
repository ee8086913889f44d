#!/usr/bin/env python3
"""Idle-connections client: idle_conns.py HOST PORT N HOLD_SECONDS [TIMEOUT_SECONDS]

Opens N TCP connections to HOST:PORT (non-blocking, at most 256 handshakes in flight), and on each
sends one byte and waits for it to come back: a connection counts as *served* once its byte has
been echoed through the proxy by the echo upstream. When all are done (or TIMEOUT_SECONDS passed),
it prints `held OPEN served SERVED` on stdout, keeps them all open and idle for HOLD_SECONDS
(the caller reads the proxy's memory then), then does a second one-byte echo on every connection
to show they survived the idle period (`alive N`), closes them and prints a JSON summary line.
Exit status 0 when all N were served and alive, 1 otherwise."""
import json
import resource
import selectors
import socket
import sys
import time

host, port, n, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 120.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
if hard < n + 64:
    sys.exit(f"idle_conns: open-file limit {hard} is too low for {n} connections")

sel = selectors.DefaultSelector()
WINDOW = 256
socks = []          # every connection opened, in order
errors = {}         # reason -> count


def fail(s, why):
    errors[why] = errors.get(why, 0) + 1
    try:
        sel.unregister(s)
    except (KeyError, ValueError):
        pass
    s.close()


def echo_round(conns, deadline, window, opener=None, total=0):
    """Sends one byte on each connection (opening them first with `opener`), waits for the echo.
    Returns the connections whose byte came back."""
    done, pending, opened = [], 0, 0
    queue = list(conns)
    while time.monotonic() < deadline:
        while pending < window and (queue or (opener and opened < total)):
            if queue:
                s = queue.pop()
                sel.register(s, selectors.EVENT_WRITE, "send")
            else:
                s = opener()
                opened += 1
                if s is None:
                    continue
            pending += 1
        if pending == 0:
            break
        for key, ev in sel.select(timeout=1.0):
            s, state = key.fileobj, key.data
            if state == "send":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(s, f"connect: errno {err}")
                    pending -= 1
                    continue
                try:
                    s.send(b"x")
                    sel.modify(s, selectors.EVENT_READ, "recv")
                except OSError as e:
                    fail(s, f"send: {e.strerror}")
                    pending -= 1
            else:
                try:
                    b = s.recv(16)
                except OSError as e:
                    fail(s, f"recv: {e.strerror}")
                    pending -= 1
                    continue
                pending -= 1
                if b == b"x":
                    sel.unregister(s)
                    done.append(s)
                else:
                    fail(s, "closed by peer" if not b else "wrong echo")
    for key in list(sel.get_map().values()):
        errors["timeout"] = errors.get("timeout", 0) + 1
        sel.unregister(key.fileobj)
    return done


def opener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    socks.append(s)
    rc = s.connect_ex((host, port))
    if rc not in (0, 115):  # EINPROGRESS
        errors[f"connect: errno {rc}"] = errors.get(f"connect: errno {rc}", 0) + 1
        s.close()
        return None
    sel.register(s, selectors.EVENT_WRITE, "send")
    return s


t0 = time.monotonic()
served = echo_round([], t0 + timeout, WINDOW, opener, n)
t_open = time.monotonic() - t0
print(f"held {sum(1 for s in socks if s.fileno() >= 0)} served {len(served)}", flush=True)
time.sleep(hold)
alive = echo_round(served, time.monotonic() + timeout, WINDOW)
print(f"alive {len(alive)}", flush=True)
for s in socks:
    s.close()
print(json.dumps({"requested": n, "served": len(served), "alive_after_hold": len(alive),
                  "open_seconds": round(t_open, 2), "hold_seconds": hold, "errors": errors}), flush=True)
sys.exit(0 if len(served) == n and len(alive) == n else 1)
