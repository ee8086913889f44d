# Shared by the benchmarks (bench-proxy, bench-replay, bench-tls, bench-faults, and the offline ones
# through offline-lib.sh): logging, the raw.tsv record, free ports, and the processes a run starts.
# Source it after setting OUT (the run's folder), RAW (raw.tsv), CMDS (commands.txt), LOGS (logs/)
# and HELP (scripts/bench). WHERE=(ip netns exec NS) runs free_port and wait_listen's probe in a
# network namespace; empty by default.
[[ -n "${WHERE+set}" ]] || WHERE=()

log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/bench.log" >&2; }
die() { log "ERROR: $*"; exit 1; }
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"; }
recpipe() { local c=$1 w=$2 k v; while IFS=$'\t' read -r k v; do rec "$c" "$w" "$k" "$v"; done; }
cmdlog() { printf '%s\n' "$*" >> "$CMDS"; }
cpu() { if [[ -n "${1:-}" ]]; then python3 "$HELP/procstat.py" cpu "$1"; else echo 0; fi; }
fsub() { python3 -c 'import sys; print(f"{float(sys.argv[1]) - float(sys.argv[2]):.3f}")' "$1" "$2"; }
free_port() { "${WHERE[@]}" python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------ processes we start
STARTED=()
BG_PID=""
start_bg() {  # NAME CMD... : own session, output to logs/NAME.log; sets BG_PID (no $(...): must stay our child)
  local name=$1; shift
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &   # `ip netns exec` execs the command: same pid
  BG_PID=$!
  STARTED+=("$BG_PID")
}
forget() { local keep=() p; for p in "${STARTED[@]}"; do [[ "$p" != "$1" ]] && keep+=("$p"); done; STARTED=("${keep[@]}"); }

stop_pid() {  # PID [SIGNAL|none] [TIMEOUT_S]: signal it (none: just wait), wait for it; KILL its group after the timeout.
  local pid=$1 sig=${2:-TERM} t=${3:-10} i   # sets STOP_RC (its exit status) and STOP_HUNG
  STOP_RC=0; STOP_HUNG=0
  [[ -z "$pid" ]] && return 0
  [[ $sig != none ]] && kill -"$sig" "$pid" 2>/dev/null
  for ((i = 0; i < t * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    STOP_HUNG=1
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null; STOP_RC=$?
  forget "$pid"
}

wait_listen() {  # PORT PID [SECONDS]: until something listens on PORT (in WHERE), or PID exits
  local port=$1 pid=$2 t=${3:-30} i
  for ((i = 0; i < t * 10; i++)); do
    "${WHERE[@]}" ss -Hltn "( sport = :$port )" 2>/dev/null | grep -q . && return 0
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited before listening on $port"; return 1; }
    sleep 0.1
  done
  log "nothing listening on $port after ${t}s"; return 1
}
wait_line() {  # FILE TEXT PID [SECONDS]
  local f=$1 text=$2 pid=$3 t=${4:-30} i
  for ((i = 0; i < t * 10; i++)); do
    grep -q -- "$text" "$f" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited before printing '$text'"; return 1; }
    sleep 0.1
  done
  log "no '$text' in $f after ${t}s"; return 1
}
