"""Reads a scripts/precision run folder and prints its tables; writes summary.json and summary.txt there.

Usage: python3 summarize.py OUT PROTOCOL...
Per protocol (OUT/PROTOCOL/): the clients' outcomes (direct/ and proxied/: NAME.rc, NAME.cmp), the proxy's
log (live findings), check.json (offline findings), capture.json (capture_compare.py) and replay.json.
"""
import json
import os
import re
import sys


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def load(path):
    try:
        return json.loads(read(path))
    except ValueError:
        return None


def protocol_summary(folder):
    names = sorted(n[:-3] for n in os.listdir(os.path.join(folder, "direct")) if n.endswith(".rc"))
    clients = []
    for name in names:
        d = [read(os.path.join(folder, "direct", name + ext)).strip() for ext in (".rc", ".cmp")]
        p = [read(os.path.join(folder, "proxied", name + ext), "missing").strip() for ext in (".rc", ".cmp")]
        clients.append({"name": name, "rc_direct": d[0], "rc_proxied": p[0], "same": d == p})
    log = read(os.path.join(folder, "proxy.log"))
    live_codes = {}
    for match in re.finditer(r"finding error (\S+)|^interpose:\s+error (\S+):", log, re.MULTILINE):
        code = match.group(1) or match.group(2)
        live_codes[code] = live_codes.get(code, 0) + 1
    counts = re.search(r"checks: (\d+) errors?, (\d+) warnings?", log)
    live_errors = int(counts.group(1)) if counts else None
    live_warnings = int(counts.group(2)) if counts else None
    check = load(os.path.join(folder, "check.json")) or {"findings": None}
    offline_codes, offline_warning_codes, examples = {}, {}, {}
    for f in check.get("findings") or []:
        if f["severity"] == "error":
            examples.setdefault(f["code"], []).append("connection %s: %s" % (f["connection"], f["message"][:240]))
        target = offline_codes if f["severity"] == "error" else offline_warning_codes if f["severity"] == "warning" else None
        if target is not None:
            target[f["code"]] = target.get(f["code"], 0) + 1
    capture = load(os.path.join(folder, "capture.json")) or {}
    replay = load(os.path.join(folder, "replay.json")) or {}
    regressed = [c for c in replay.get("conversation_results", []) if c.get("regression")]
    replay_codes = {}
    for f in replay.get("findings", []):
        if f.get("severity") == "error" and f.get("also_in") not in ("recording and baseline", "baseline"):
            replay_codes[f["code"]] = replay_codes.get(f["code"], 0) + 1
    return {
        "clients": clients,
        "clients_total": len(clients),
        "outcomes_same": sum(c["same"] for c in clients),
        "proxy_exit": read(os.path.join(folder, "proxy.rc")).strip(),
        "live_errors": live_errors,
        "live_warnings": live_warnings,
        "live_error_codes": live_codes,
        "offline_errors": sum(offline_codes.values()) if check.get("findings") is not None else None,
        "offline_error_codes": offline_codes,
        "offline_warning_codes": offline_warning_codes,
        "offline_error_examples": {code: texts[:3] for code, texts in examples.items()},
        "capture_exact": capture.get("exact", False),
        "capture_ok": capture.get("ok", False),
        "capture_bytes": capture.get("bytes_capture"),
        "capture_malformed": capture.get("malformed"),
        "capture_differing": capture.get("differing", []),
        "replay_exit": read(os.path.join(folder, "replay.rc")).strip(),
        "replay_conversations": replay.get("conversations"),
        "replay_regression_conversations": len(regressed),
        "replay_regressed_ids": [c.get("id") for c in regressed][:20],
        "replay_regressed_examples": [
            "conversation %s (%s): %s; first request %r" % (
                c.get("id"), c.get("application"), c.get("error") or "%d messages" % len(c.get("messages") or []),
                ((c.get("messages") or [{}])[0].get("request_text") or "")[:80])
            for c in regressed][:5],
        "replay_differs": replay.get("differs"),
        # Messages the baseline (another fresh server) did not reproduce: not regressions, but a
        # replay with many of them proves little (report.json's unreproducible object).
        "replay_unreproducible": (replay.get("unreproducible") or {}).get("count") if replay else None,
        "replay_error_findings": replay.get("error_findings"),
        "replay_regression_findings": replay.get("regression_findings"),
        "replay_regressions": (len(regressed) + (replay.get("regression_findings") or 0)) if replay else None,
        "replay_timed_out": read(os.path.join(folder, "replay.rc")).strip() == "124",
        "replay_verdict": replay.get("verdict"),
        "replay_error_codes": replay_codes,
    }


def codes(d):
    return " ".join("%s x%d" % kv for kv in sorted(d.items())) or "-"


def main():
    out, protocols = sys.argv[1], sys.argv[2:]
    summary = {p: protocol_summary(os.path.join(out, p)) for p in protocols if os.path.isdir(os.path.join(out, p, "direct"))}
    lines = []
    for p, s in summary.items():
        lines.append("== %s: %d clients" % (p, s["clients_total"]))
        lines.append("  %-22s %9s %9s  %s" % ("CLIENT", "RC DIRECT", "RC PROXY", "SAME"))
        for c in s["clients"]:
            lines.append("  %-22s %9s %9s  %s" % (c["name"], c["rc_direct"], c["rc_proxied"], "yes" if c["same"] else "NO"))
        lines.append("  outcomes same direct/proxied: %d/%d" % (s["outcomes_same"], s["clients_total"]))
        lines.append("  live error findings:          %s (%s; %s warnings; proxy exit %s)" % (
            s["live_errors"], codes(s["live_error_codes"]), s["live_warnings"], s["proxy_exit"]))
        lines.append("  offline error findings:       %s (%s)" % (s["offline_errors"], codes(s["offline_error_codes"])))
        for code, texts in sorted(s["offline_error_examples"].items()):
            for text in texts:
                lines.append("    %s %s" % (code, text))
        lines.append("  offline warnings:             %s" % codes(s["offline_warning_codes"]))
        lines.append("  capture exact vs tcpdump:     %s (%s payload bytes, %s malformed, differing %s)" % (
            "yes" if s["capture_exact"] else "NO", s["capture_bytes"], s["capture_malformed"],
            s["capture_differing"] or "-"))
        lines.append("  replay regressions:           %s (%s conversations, %s differ, regressed ids %s; exit %s)" % (
            s["replay_regressions"], s["replay_conversations"], s["replay_differs"], s["replay_regressed_ids"] or "-",
            s["replay_exit"]))
        for text in s["replay_regressed_examples"]:
            lines.append("    %s" % text)
        lines.append("  replay unreproducible:        %s" % s["replay_unreproducible"])
        lines.append("  replay verdict:               %s" % s["replay_verdict"])
        if s["replay_timed_out"]:
            lines.append("  replay TIMED OUT (REPLAY_TIMEOUT): no report")
    lines.append("")
    lines.append("%-7s %9s %6s %8s %8s %8s" % ("PROTO", "SAME", "LIVE", "OFFLINE", "CAPTURE", "REPLAY"))
    for p, s in summary.items():
        lines.append("%-7s %9s %6s %8s %8s %8s" % (p, "%d/%d" % (s["outcomes_same"], s["clients_total"]),
                                                 s["live_errors"], s["offline_errors"],
                                                 "exact" if s["capture_ok"] else "NO", s["replay_regressions"]))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    sys.stdout.write(text)


main()
