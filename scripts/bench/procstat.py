#!/usr/bin/env python3
"""CPU and memory of a process tree, from /proc.

  procstat.py cpu PID          CPU seconds (user+sys) used so far by the tree rooted at PID: utime+stime
                               of every live process in it, plus cutime+cstime (children already reaped,
                               e.g. socat's fork children).
  procstat.py hwm PID          peak RSS in MiB: VmHWM summed over the live tree.
  procstat.py rss PID          current RSS in MiB: VmRSS summed over the live tree.
  procstat.py watch PID FILE   samples the tree's summed VmHWM every 0.2 s until PID is gone (or this is
                               killed) and keeps the largest value seen in FILE (catches forked children
                               that exit before the end, which a single read would miss).
  procstat.py sys              machine-wide busy CPU seconds (all cores), from /proc/stat.
"""
import os
import signal
import sys
import time

TCK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rfind(")") + 2:].split()
    # rest[1]=ppid rest[11]=utime rest[12]=stime rest[13]=cutime rest[14]=cstime
    return int(rest[1]), int(rest[11]), int(rest[12]), int(rest[13]), int(rest[14])


def tree(root):
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = read_stat(d)
            if st:
                stats[int(d)] = st
    children = {}
    for pid, st in stats.items():
        children.setdefault(st[0], []).append(pid)
    seen, todo = set(), [root] if root in stats else []
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(children.get(p, []))
    return {p: stats[p] for p in seen}


def status_kb(pids, field):
    kb = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        kb += int(line.split()[1])
        except OSError:
            pass
    return kb


def main():
    mode = sys.argv[1]
    if mode == "sys":
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        print(f"{(sum(v[:8]) - v[3] - v[4]) / TCK:.3f}")
        return
    pid = int(sys.argv[2])
    if mode == "cpu":
        t = tree(pid)
        print(f"{sum(u + s + cu + cs for (_, u, s, cu, cs) in t.values()) / TCK:.3f}")
    elif mode in ("hwm", "rss"):
        print(f"{status_kb(tree(pid), 'VmHWM' if mode == 'hwm' else 'VmRSS') / 1024:.1f}")
    elif mode == "watch":
        out, peak = sys.argv[3], 0
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while os.path.exists(f"/proc/{pid}"):
            kb = status_kb(tree(pid), "VmHWM")
            if kb > peak:
                peak = kb
                with open(out + ".tmp", "w") as f:
                    f.write(f"{peak / 1024:.1f}\n")
                os.replace(out + ".tmp", out)
            time.sleep(0.2)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
