# Shared by the execution gate tests and bench/exec_overhead.sh (sourced after lib.sh or on its own):
# a PRIVATE tmpfs mounted on a fresh directory and the gate started on that mount only. Never mark
# /, /usr, /tmp or any other system mount: a stuck permission event would hang the machine.
#   exec_gate_mount DIR_PARENT SIZE      -> sets MNT (mounted tmpfs)
#   exec_gate_start LOG [gate args...]   -> sets GATE_PID, waits for the ready file ($GATE_READY)
#   exec_gate_stop                       -> SIGTERM, then SIGKILL after 10 s; returns the exit status
#   exec_gate_cleanup                    -> stop (kill -9 fallback) and unmount; for `trap ... EXIT`
MNT=
GATE_PID=
GATE_READY=
GATE_STATUS=

exec_gate_mount() {  # PARENT SIZE
  MNT=$(mktemp -d "$1/gated.XXXXXX")
  mount -t tmpfs -o "size=$2,mode=0755" signet-exec-gate "$MNT"
}

exec_gate_start() {  # LOG [gate exec args...]
  local log=$1
  shift
  GATE_READY=$(dirname "$log")/gate.ready
  GATE_STATUS=${GATE_STATUS:-$(dirname "$log")/gate-status.json}
  rm -f "$GATE_READY"
  "$SIGNET" gate exec --watch "$MNT" --status-file "$GATE_STATUS" --ready-file "$GATE_READY" \
    "$@" >"$log" 2>&1 &
  GATE_PID=$!
  local i
  for i in $(seq 300); do
    [[ -e $GATE_READY ]] && return 0
    kill -0 "$GATE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the gate did not become ready:" >&2
  sed 's/^/     | /' "$log" >&2
  return 1
}

exec_gate_stop() {
  [[ -n $GATE_PID ]] || return 0
  local pid=$GATE_PID status=0 i
  GATE_PID=
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    # A killed fanotify listener releases every pending event (the kernel allows them).
    echo "the gate did not stop on SIGTERM: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

exec_gate_cleanup() {
  exec_gate_stop || true
  if [[ -n $MNT ]] && mountpoint -q "$MNT"; then
    umount "$MNT" 2>/dev/null || umount -l "$MNT" || true
  fi
  [[ -n $MNT ]] && rmdir "$MNT" 2>/dev/null || true
}

# Skips (exit 77) where the kernel or privileges do not allow the real thing.
exec_gate_require_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: the execution gate tests need root (mount, fanotify)"
    exit 77
  fi
}
