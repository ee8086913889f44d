"""Measures, on real traffic, what toxics set through the published toxiproxy-python client do.

Usage: python3 toxiproxy_effects_check.py API_PORT
Starts its own echo server on loopback, creates a proxy in front of it through the client, and
checks: latency within 5 ms of what was asked, bandwidth within 10 % of the rate, reset_peer seen
as ECONNRESET within the delay plus 20 ms, /reset removing every toxic, and a disabled proxy
refusing connections until it is enabled again. Prints one line per figure; exits non-zero on the
first miss.
"""
import socket
import statistics
import sys
import threading
import time

from toxiproxy import Toxiproxy


def echo_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                try:
                    conn.sendall(data)
                except OSError:
                    return

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def round_trip_ms(port, samples=15):
    with connect(port) as sock:
        sock.sendall(b"x")  # the first round trip includes the upstream connect
        sock.recv(1)
        times = []
        for _ in range(samples):
            start = time.monotonic()
            sock.sendall(b"x")
            assert sock.recv(1) == b"x"
            times.append((time.monotonic() - start) * 1000)
    return statistics.median(times)


def main():
    api_port = int(sys.argv[1])
    upstream = echo_server()
    server = Toxiproxy()
    server.update_api_consumer("127.0.0.1", api_port)
    proxy = server.create(upstream="127.0.0.1:%d" % upstream, name="echo")
    port = int(proxy.listen.rsplit(":", 1)[1])

    base = round_trip_ms(port)
    print("round trip without toxics: %.2f ms" % base)

    proxy.add_toxic(type="latency", attributes={"latency": 50, "jitter": 0})
    slow = round_trip_ms(port)
    print("round trip with latency 50 ms downstream: %.2f ms" % slow)
    assert abs((slow - base) - 50) <= 5, "latency added %.2f ms, asked 50" % (slow - base)

    proxy.add_toxic(name="up", type="latency", stream="upstream", attributes={"latency": 30})
    both = round_trip_ms(port)
    print("round trip with 50 ms down and 30 ms up: %.2f ms" % both)
    assert abs((both - base) - 80) <= 5, "latency added %.2f ms, asked 80" % (both - base)
    proxy.destroy_toxic("up")
    proxy.destroy_toxic("latency_downstream")

    rate = 500  # KB/s, Toxiproxy's KB is 1000 bytes
    proxy.add_toxic(type="bandwidth", attributes={"rate": rate})
    payload = b"b" * 500_000
    with connect(port) as sock:
        sock.settimeout(10)
        start = time.monotonic()
        threading.Thread(target=sock.sendall, args=(payload,), daemon=True).start()
        received = 0
        while received < len(payload):
            chunk = sock.recv(65536)
            assert chunk, "closed after %d bytes" % received
            received += len(chunk)
        seconds = time.monotonic() - start
    measured = received / seconds / 1000
    print("bandwidth %d KB/s asked, %.1f KB/s measured over %.2f s" % (rate, measured, seconds))
    assert abs(measured - rate) <= rate * 0.10, "bandwidth off by more than 10 %"
    proxy.destroy_toxic("bandwidth_downstream")

    proxy.add_toxic(type="reset_peer", attributes={"timeout": 200})
    with connect(port) as sock:
        sock.settimeout(5)
        start = time.monotonic()
        sock.sendall(b"x")
        try:
            while sock.recv(64):
                pass
            raise AssertionError("closed without a reset")
        except ConnectionResetError:
            elapsed = (time.monotonic() - start) * 1000
    print("reset_peer 200 ms: ECONNRESET after %.1f ms" % elapsed)
    assert 190 <= elapsed <= 220, "reset after %.1f ms, asked 200 (+20)" % elapsed

    proxy.add_toxic(type="latency", attributes={"latency": 100})
    server.reset()
    assert proxy.toxics() == {}, proxy.toxics()
    after = round_trip_ms(port)
    print("round trip after /reset: %.2f ms" % after)
    assert after < base + 5, "toxics still act after /reset"

    proxy.disable()
    try:
        connect(port).close()
        raise AssertionError("a disabled proxy accepted a connection")
    except ConnectionRefusedError:
        print("disabled proxy refuses connections")
    proxy.enable()
    assert round_trip_ms(port, samples=3) < base + 5
    print("enabled again and forwarding")
    print("toxiproxy-python effects: all checks passed")


if __name__ == "__main__":
    main()
