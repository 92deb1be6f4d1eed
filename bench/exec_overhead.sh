#!/usr/bin/env bash
# The execution gate's overhead, each figure against a baseline measured in the same run (figures,
# never assertions: the machine may be shared and noisy). Needs root (mount, fanotify); the gate
# marks only a PRIVATE tmpfs this script mounts and unmounts.
#
#   1. 2,000 executions of a small trusted binary on the gated mount, gate running (decisions
#      cached) vs no gate                                      target <= 1.10 x the ungated time
#   2. first execution of a 64 MiB trusted binary (hashed, not cached) vs `openssl dgst -sha256`
#      of the same file; and its execution once cached
#
#   sudo bash bench/exec_overhead.sh [SIGNET_BINARY]        (default: build/signet)
#
# Environment: BENCH_EXECS (default 2000), BENCH_ROUNDS (alternating gated/ungated rounds, the
# median is reported; default 3), BENCH_BIG_MIB (default 64), BENCH_FIRST_RUNS (fresh copies of
# the big binary, each executed once; default 5), BENCH_KEEP=1 keeps the scratch dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SIGNET=${1:-$HERE/../build/signet}
[[ -x $SIGNET ]] || { echo "exec_overhead: no signet binary at $SIGNET" >&2; exit 1; }
SIGNET=$(cd "$(dirname "$SIGNET")" && pwd)/$(basename "$SIGNET")
EXECS=${BENCH_EXECS:-2000}
ROUNDS=${BENCH_ROUNDS:-3}
BIG_MIB=${BENCH_BIG_MIB:-64}
FIRST_RUNS=${BENCH_FIRST_RUNS:-5}
[[ $(id -u) == 0 ]] || { echo "exec_overhead: needs root (mount, fanotify)" >&2; exit 1; }
for tool in openssl gcc python3; do
  command -v "$tool" >/dev/null || { echo "exec_overhead: $tool is needed" >&2; exit 1; }
done

S=$(mktemp -d "${TMPDIR:-/tmp}/signet-exec-bench.XXXXXX")
W=$S
source "$HERE/../tests/integration/exec_gate_lib.sh"
cleanup() {
  exec_gate_cleanup
  [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$S"
}
trap cleanup EXIT
exec_gate_mount "$S" $((BIG_MIB * (FIRST_RUNS + 2) + 64))m
cd "$S"

# A throwaway PKI: root and a codeSigning leaf (file: key, benchmark only).
openssl ecparam -name prime256v1 -genkey -noout -out root.key 2>/dev/null
openssl req -new -x509 -key root.key -subj "/O=Bench/CN=Bench Root" -days 30 -out root.pem \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj "/O=Bench/CN=bench" -out leaf.csr 2>/dev/null
printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 \
  -extfile leaf.ext -out leaf.pem 2>/dev/null
cat >policy.toml <<POL
[trust_store.bench]
anchors = ["root.pem"]

[publisher.bench]
store = "bench"
subject = "O=Bench, CN=*"

[[rule]]
id = "bundles"
class = "trust-bundle"
publishers = ["bench"]

[[rule]]
id = "executables"
class = "executable"
publishers = ["bench"]
POL

printf 'int main(void) { return 0; }\n' >small.c
gcc -O2 -o "$MNT/small" small.c
cp "$MNT/small" "$MNT/big"
head -c $((BIG_MIB * 1024 * 1024 - $(stat -c %s "$MNT/small"))) /dev/urandom >>"$MNT/big"
for i in $(seq "$FIRST_RUNS"); do cp "$MNT/big" "$MNT/big$i"; done
"$SIGNET" trust build "$MNT/small" "$MNT/big" --class executable --key "file:$S/leaf.key" \
  --cert leaf.pem -o bundle.sig 2>/dev/null

now_ns() { date +%s%N; }
loop_ms() {  # time of $EXECS executions of $MNT/small, in ms
  local t0 t1 i
  t0=$(now_ns)
  for ((i = 0; i < EXECS; i++)); do "$MNT/small"; done
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gated=()
ungated=()
GATE_STATUS=$S/status.json
for r in $(seq "$ROUNDS"); do
  ungated+=("$(loop_ms)")
  exec_gate_start "$S/gate.log" --policy policy.toml --trust bundle.sig --mode enforce --quiet
  "$MNT/small"  # decided once: what follows is cached
  gated+=("$(loop_ms)")
  if ((r == ROUNDS)); then
    # 2. first executions of fresh 64 MiB copies (each a new inode: hashed), then cached.
    first=()
    for i in $(seq "$FIRST_RUNS"); do
      t0=$(now_ns); "$MNT/big$i"; t1=$(now_ns)
      first+=($(((t1 - t0) / 1000)))
    done
    cached=()
    for i in $(seq "$FIRST_RUNS"); do
      t0=$(now_ns); "$MNT/big$i"; t1=$(now_ns)
      cached+=($(((t1 - t0) / 1000)))
    done
    "$SIGNET" gate status --status-file "$GATE_STATUS" --json >status-final.json
  fi
  exec_gate_stop
done
ungated_big=()
dgst=()
for i in $(seq "$FIRST_RUNS"); do
  t0=$(now_ns); "$MNT/big$i"; t1=$(now_ns)
  ungated_big+=($(((t1 - t0) / 1000)))
  t0=$(now_ns); openssl dgst -sha256 "$MNT/big$i" >/dev/null; t1=$(now_ns)
  dgst+=($(((t1 - t0) / 1000)))
done

g=$(median "${gated[@]}")
u=$(median "${ungated[@]}")
ratio=$(python3 -c "print(f'{$g / max($u, 1):.3f}')")
verdict=$(python3 -c "print('PASS' if $g <= 1.10 * $u else 'MISS')")
f=$(median "${first[@]}")
c=$(median "${cached[@]}")
d=$(median "${dgst[@]}")
b=$(median "${ungated_big[@]}")
echo "machine: $(nproc) CPU(s), $(uname -r)"
echo "1. $EXECS executions of a small trusted binary (median of $ROUNDS rounds)"
echo "   without the gate: ${u} ms   (rounds: ${ungated[*]})"
echo "   with the gate:    ${g} ms   (rounds: ${gated[*]})"
echo "   ratio: ${ratio} x   target <= 1.10 x: $verdict"
echo "2. ${BIG_MIB} MiB trusted binary (median of $FIRST_RUNS fresh copies)"
echo "   first execution with the gate (hash + decide): $((f / 1000)) ms"
echo "   openssl dgst -sha256 of the same file:          $((d / 1000)) ms   ratio $(python3 -c "print(f'{$f / max($d, 1):.2f}')") x"
echo "   execution once cached:                          $((c / 1000)).$(printf '%03d' $((c % 1000))) ms"
echo "   execution without the gate:                     $((b / 1000)).$(printf '%03d' $((b % 1000))) ms"
echo "   gate counters: $(python3 -c "import json; d=json.load(open('status-final.json')); print({k: d[k] for k in ('permission_events','answered','cache_hits','denied','errors')})")"
