"""Plain-text tables for the bench-* reports: a header row, a rule, columns padded to fit."""


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
