"""What every bench-* report reads and prints: raw.tsv, env.txt, and plain-text tables."""
import os
from collections import OrderedDict


def raw(d, outer=1):
    """OUT_DIR/raw.tsv (lines `A<TAB>B<TAB>key<TAB>value`, as lib.sh's rec writes them) as
    outer -> inner -> {key: value}, in file order. `outer` is the column that groups: 1 (the
    workload, with @rN per round; the config is inner), or 0 (bench-replay's section)."""
    data = OrderedDict()
    for line in open(os.path.join(d, "raw.tsv")):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            a, b, k, v = parts
            o, i = (b, a) if outer == 1 else (a, b)
            data.setdefault(o, OrderedDict()).setdefault(i, OrderedDict())[k] = v
    return data


def env_text(d):
    """OUT_DIR/env.txt as it is (the machine, tool versions, settings), or '' when absent."""
    path = os.path.join(d, "env.txt")
    return open(path).read() if os.path.exists(path) else ""


def env(d):
    """OUT_DIR/env.txt's `key: value` lines as a dict."""
    out = {}
    for line in env_text(d).splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v
    return out


def table(rows, left=1, last_left=False):
    """Rows of cells (any values) as aligned text: the first `left` columns left-aligned, the rest
    right-aligned (the last one left-aligned too with `last_left`), a dashed rule under the header."""
    rows = [[str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(
            c.ljust(w[i]) if i < left or (last_left and i == len(r) - 1) else c.rjust(w[i])
            for i, c in enumerate(r)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)
