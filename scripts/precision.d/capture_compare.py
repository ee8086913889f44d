"""Compares tshark's reading of the proxy's capture with a tcpdump capture of the same loopback traffic.

Usage: python3 capture_compare.py TCPDUMP_PCAP PROXY_PCAPNG LISTEN_PORT DISSECTOR
Per conversation (client port) and direction, the TCP payload bytes in sequence order (retransmissions
dropped) must be the same in both files; and tshark, with DISSECTOR forced on LISTEN_PORT, must find no
malformed packet in the proxy's capture. Prints one JSON object.
"""
import hashlib
import json
import subprocess
import sys


def streams(path, port):
    fields = ["-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.payload"]
    out = subprocess.run(["tshark", "-r", path, "-Y", "tcp.len > 0", "-T", "fields", *fields],
                         capture_output=True, text=True, timeout=300).stdout
    segments = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[3]:
            continue
        src, dst, seq = int(parts[0]), int(parts[1]), int(parts[2])
        key = (src, "c2s") if dst == port else (dst, "s2c")
        segments.setdefault(key, {}).setdefault(seq, parts[3].replace(":", ""))
    result = {}
    for key, by_seq in segments.items():
        data = "".join(by_seq[s] for s in sorted(by_seq))
        result["%d/%s" % key] = (len(data) // 2, hashlib.sha256(data.encode()).hexdigest())
    return result


def malformed(path, port, dissector):
    out = subprocess.run(["tshark", "-r", path, "-d", "tcp.port==%d,%s" % (port, dissector), "-Y", "_ws.malformed",
                          "-T", "fields", "-e", "frame.number"], capture_output=True, text=True, timeout=300)
    return len(out.stdout.split()), out.returncode


def main():
    wire, proxy, port, dissector = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    a, b = streams(wire, port), streams(proxy, port)
    differing = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    bad, rc = malformed(proxy, port, dissector)
    print(json.dumps({
        "directions_wire": len(a), "directions_capture": len(b), "differing": differing[:20],
        "differing_count": len(differing), "bytes_wire": sum(v[0] for v in a.values()),
        "bytes_capture": sum(v[0] for v in b.values()), "malformed": bad, "tshark_rc": rc,
        "exact": not differing and bool(a), "ok": not differing and bool(a) and bad == 0 and rc == 0,
    }))


main()
