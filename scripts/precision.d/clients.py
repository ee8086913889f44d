"""Raw-socket clients for scripts/precision, for what the stock command-line clients cannot do.

Usage: python3 clients.py NAME PORT
  redis-reply      CLIENT REPLY SKIP / OFF / ON around SETs, then QUIT: prints every byte the server sent
  redis-brpop      BRPOP on an empty list with timeout 0, abandoned (closed) after 0.3 s
  redis-kill       connection A asks CLIENT ID, connection B kills it by that id; A sees the close
  redis-pipeline   100 pipelined INCRs on one connection, the replies read back
  http-urllib      Python's urllib: basic auth (401, then the retry with credentials), digest auth,
                   redirects followed, a chunked response read line by line, a POST
  mqtt-oversize    MQTT 5 CONNECT, then a QoS 1 PUBLISH larger than the broker's max_packet_size:
                   prints the packets the broker sent (CONNACK, then DISCONNECT with its reason code)
Every socket has a timeout; the output is deterministic.
"""
import socket
import struct
import sys
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_all(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def read_line(s):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def redis_reply(port):
    s = connect(port)
    commands = [("SET", "r1", "a"), ("CLIENT", "REPLY", "SKIP"), ("SET", "r2", "b"), ("GET", "r2"),
                ("CLIENT", "REPLY", "OFF"), ("SET", "r3", "c"), ("INCR", "r4"), ("CLIENT", "REPLY", "ON"),
                ("MGET", "r1", "r2", "r3", "r4"), ("QUIT",)]
    s.sendall(b"".join(resp(*c) for c in commands))
    sys.stdout.write(read_all(s).decode())


def redis_brpop(port):
    s = connect(port)
    s.sendall(resp("BRPOP", "precision:empty", "0"))
    time.sleep(0.3)
    s.close()
    print("abandoned")


def redis_kill(port):
    a = connect(port)
    a.sendall(resp("CLIENT", "ID"))
    line = read_line(a)
    client_id = line[1:].strip().decode()
    b = connect(port)
    b.sendall(resp("CLIENT", "KILL", "ID", client_id))
    print("kill:", read_line(b).decode().strip())
    b.sendall(resp("QUIT"))
    read_all(b)
    a.sendall(resp("PING"))  # may fail: the server closed the connection
    print("after kill:", repr(read_all(a)))


def redis_pipeline(port):
    s = connect(port)
    s.sendall(b"".join(resp("INCR", "precision:pipe") for _ in range(100)) + resp("QUIT"))
    replies = read_all(s).decode().split("\r\n")
    print(len([r for r in replies if r.startswith(":")]), "integer replies, last", replies[-3])


def mqtt_packet(kind, body):
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (0x80 if length else 0)])
        if not length:
            return bytes([kind]) + encoded + body


def mqtt_string(text):
    return struct.pack(">H", len(text)) + text.encode()


def mqtt_oversize(port):
    s = connect(port)
    connect_body = mqtt_string("MQTT") + bytes([5, 0x02]) + struct.pack(">H", 30) + b"\x00" + mqtt_string("oversize")
    s.sendall(mqtt_packet(0x10, connect_body))
    connack = s.recv(4096)
    print("CONNACK reason", connack[3] if len(connack) > 3 else None)
    publish = mqtt_string("precision/big") + struct.pack(">H", 1) + b"\x00" + b"x" * 8000
    s.sendall(mqtt_packet(0x32, publish))
    data = read_all(s)
    if data and data[0] >> 4 == 14:
        print("DISCONNECT reason 0x%02x" % (data[2] if len(data) > 2 else 0))
    else:
        print("received", data[:8].hex())


def http_urllib(port):
    import urllib.error
    import urllib.request
    base = "http://127.0.0.1:%d" % port
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, base, "alice", "secret")
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                         urllib.request.HTTPDigestAuthHandler(passwords))
    for path in ("/basic", "/digest", "/redirect/2", "/"):
        with opener.open(base + path, timeout=5) as r:
            print(path, r.status, r.read().decode().strip())
    with opener.open(base + "/stream?n=5", timeout=5) as r:
        print("/stream", r.status, [line.decode().strip() for line in r])
    with opener.open(urllib.request.Request(base + "/echo", data=b"posted body"), timeout=5) as r:
        print("/echo", r.status, r.read().decode())
    try:
        opener.open(base + "/missing", timeout=5)
    except urllib.error.HTTPError as e:
        print("/missing", e.code)


if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    {"redis-reply": redis_reply, "redis-brpop": redis_brpop, "redis-kill": redis_kill,
     "redis-pipeline": redis_pipeline, "mqtt-oversize": mqtt_oversize, "http-urllib": http_urllib}[name](port)
