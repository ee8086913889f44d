# Shared by the offline benchmarks (bench-analyze, bench-check): source it after setting WORK, RUNS,
# TOOL_TIMEOUT and PIDS=(). Captures loopback traffic with tcpdump and times tools on the files.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # free_port, and the rest the live benchmarks share
size_mb() { echo $(( $(stat -c %s "$1") / 1000000 )); }

# start_tcpdump FILE PORT: capture TCP on PORT on loopback into FILE; returns once it listens.
start_tcpdump() {
  tcpdump -i lo -n -s 0 -B 65536 -U -w "$1" -Z root "tcp port $2" 2>"$WORK/tcpdump.log" &
  TCPDUMP=$!; PIDS+=("$TCPDUMP")
  for _ in $(seq 100); do grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: tcpdump did not start: $(cat "$WORK/tcpdump.log")" >&2; exit 1
}

# stop_tcpdump: SIGINT once the last packets reached the file; prints tcpdump's counts.
stop_tcpdump() {
  sleep 1.5   # let libpcap's ring buffer blocks reach the file before SIGINT
  kill -INT "$TCPDUMP"; wait "$TCPDUMP" || true
  grep -E "captured|dropped" "$WORK/tcpdump.log" | tr '\n' ' ' >&2; echo >&2
}

# wait_for_size FILE MB PID: returns when FILE reaches MB megabytes or PID exits.
wait_for_size() {
  for _ in $(seq 3000); do
    [[ $(size_mb "$1") -ge $2 ]] && return 0
    kill -0 "$3" 2>/dev/null || return 0
    sleep 0.1
  done
}

# measure CMD...: RUNS runs of CMD on $FILE (page cache warmed); prints "best_seconds max_rss_kb exit".
measure() {
  local out="$WORK/time.txt" best="" maxrss=0 status=0 wall rss
  cat "$FILE" >/dev/null   # warm page cache: every tool reads from memory
  for _ in $(seq "$RUNS"); do
    set +e
    timeout "$TOOL_TIMEOUT" /usr/bin/time -v -o "$out" "$@" >/dev/null 2>"$WORK/tool.err"
    status=$?
    set -e
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
    if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
    (( ${rss:-0} > maxrss )) && maxrss=${rss:-0}
  done
  echo "${best:-nan} $maxrss $status"
}

# row FILE MB LABEL SECONDS RSS_KB EXIT OURS_SECONDS: one aligned result line with the ratio to ours.
row() {
  awk -v f="$1" -v mb="$2" -v l="$3" -v s="$4" -v r="$5" -v e="$6" -v o="$7" 'BEGIN {
    printf "%-10s %9s  %-46s %9.2f %10.0f %8.1fx %10.1f %6s\n", f, mb, l, s, (s > 0 ? mb / s : 0), (o > 0 ? s / o : 0), r / 1024, e }'
}
