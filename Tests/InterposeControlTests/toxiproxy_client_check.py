"""Drives Interpose's control API with the published toxiproxy-python client, unchanged.

Usage: python3 toxiproxy_client_check.py API_PORT REDIS_PORT
Prints one line per step; exits non-zero with the failing step on the first mismatch.
"""
import socket
import sys

from toxiproxy import Toxiproxy
from toxiproxy.exceptions import NotFound, ProxyExists


def redis_ping(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64)


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def main():
    api_port, redis_port = int(sys.argv[1]), int(sys.argv[2])
    server = Toxiproxy()
    server.update_api_consumer("127.0.0.1", api_port)
    assert server.running(), "API not reachable"
    print("version", server.version())

    proxy = server.create(upstream="127.0.0.1:%d" % redis_port, name="redis")
    assert proxy.name == "redis" and proxy.enabled is True, vars(proxy)
    port = int(proxy.listen.rsplit(":", 1)[1])
    assert port != 0, proxy.listen
    assert redis_ping(port) == b"+PONG\r\n"
    print("created", proxy.listen, "and forwarded PING")

    try:
        server.create(upstream="127.0.0.1:1", name="redis")
        raise AssertionError("duplicate create did not raise")
    except ProxyExists:
        print("duplicate raises ProxyExists")

    proxy.add_toxic(type="latency", attributes={"latency": 100, "jitter": 10})
    proxy.add_toxic(name="cut", type="limit_data", stream="upstream", toxicity=0.5, attributes={"bytes": 2048})
    toxics = proxy.toxics()
    assert set(toxics) == {"latency_downstream", "cut"}, toxics
    latency = toxics["latency_downstream"]
    assert latency.type == "latency" and latency.stream == "downstream", vars(latency)
    assert latency.attributes == {"latency": 100, "jitter": 10}, latency.attributes
    cut = proxy.get_toxic("cut")
    assert cut.stream == "upstream" and cut.toxicity == 0.5 and cut.attributes == {"bytes": 2048}, vars(cut)
    print("toxics stored and returned", sorted(toxics))

    assert proxy.destroy_toxic("cut")
    assert set(proxy.toxics()) == {"latency_downstream"}
    try:
        proxy.destroy_toxic("cut")
        raise AssertionError("removing a missing toxic did not raise")
    except NotFound:
        print("toxic removed; removing it again raises NotFound")

    listed = server.proxies()
    assert set(listed) == {"redis"}, listed
    assert listed["redis"].upstream == "127.0.0.1:%d" % redis_port
    assert server.get_proxy("nope") is None

    with proxy.down():
        assert refused(port), "proxy still accepts while down"
        assert server.get_proxy("redis").enabled is False
        print("down: refused")
    assert server.get_proxy("redis").enabled is True
    assert redis_ping(port) == b"+PONG\r\n"
    print("up again: PING forwarded")

    proxy.disable()
    assert server.reset()
    again = server.get_proxy("redis")
    assert again.enabled is True
    assert again.toxics() == {}, again.toxics()
    assert redis_ping(port) == b"+PONG\r\n"
    print("reset enabled it and removed the toxics")

    populated = server.populate([
        {"name": "redis", "listen": again.listen, "upstream": "127.0.0.1:%d" % redis_port},
        {"name": "second", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:%d" % redis_port},
    ])
    assert [p.name for p in populated] == ["second"], [p.name for p in populated]
    second_port = int(server.get_proxy("second").listen.rsplit(":", 1)[1])
    assert redis_ping(second_port) == b"+PONG\r\n"
    print("populate created the missing proxy")

    server.destroy_all()
    assert server.proxies() == {}
    assert refused(port)
    print("destroyed all")
    print("toxiproxy-python: all checks passed")


if __name__ == "__main__":
    main()
