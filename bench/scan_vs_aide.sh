#!/usr/bin/env bash
# `signet scan` against AIDE 0.18 (Debian package `aide`) on one tree, in one run (figures, never
# assertions: the machine may be shared and loaded — the load average is printed with them):
#
#   1. first scan, cold page cache:  signet scan  vs  aide --init   target: signet <= 0.2 x AIDE
#      (BENCH_ROUNDS rounds, default 3, alternating which goes first; the median round's ratio)
#   2. first scan, warm page cache:  the same again, BENCH_ROUNDS rounds alternating, each run
#      right after every file of the tree was read (cat); the median round's ratio
#   3. unchanged rescan of the tree: signet scan                   target: <= 2 s
#   4. peak RSS of each signet run (/usr/bin/time -v)             target: <= 256 MiB
#
#   bash bench/scan_vs_aide.sh [SIGNET_BINARY] [TREE]        (defaults: build/signet, /usr)
#
# AIDE is configured like signet's record: p+i+n+u+g+s+m+c+sha256, num_workers = the core count,
# an uncompressed database, one rule for the tree (not crossing mount points, like signet). Cold
# cache means `echo 3 > /proc/sys/vm/drop_caches` before the run, when this process may write it
# (root outside a container); otherwise the "cold" runs are reported as not cold. Each cold run
# starts BENCH_SETTLE seconds (default 15) after the drop: on a VM that hands freed memory back to
# the host (virtio-balloon free page reporting), the host digests gigabytes of freed page cache
# for several seconds after a drop, and a run started at once pays for it (bench/README.md). AIDE is
# installed with apt-get when missing (root). BENCH_RESCANS (default 3) unchanged rescans; the
# best and the median are printed. BENCH_KEEP=1 keeps the scratch dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SIGNET=${1:-$HERE/../build/signet}
TREE=${2:-/usr}
RESCANS=${BENCH_RESCANS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
SETTLE=${BENCH_SETTLE:-15}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "scan_vs_aide: BENCH_ROUNDS must be 1 or more" >&2; exit 1; }
[[ $SETTLE =~ ^[0-9]+$ ]] || { echo "scan_vs_aide: BENCH_SETTLE must be whole seconds" >&2; exit 1; }
[[ -x $SIGNET ]] || { echo "scan_vs_aide: no signet binary at $SIGNET" >&2; exit 1; }
SIGNET=$(cd "$(dirname "$SIGNET")" && pwd)/$(basename "$SIGNET")
if ! command -v aide >/dev/null; then
  [[ $(id -u) == 0 ]] || { echo "scan_vs_aide: aide is not installed and this is not root" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends aide >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends aide >/dev/null; }
fi
[[ -x /usr/bin/time ]] || { echo "scan_vs_aide: /usr/bin/time (package time) is needed" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-scan-bench.XXXXXX")
[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
CORES=$(nproc)

cat >"$W/aide.conf" <<CONF
database_out=file:$W/aide.db
gzip_dbout=no
num_workers=$CORES
report_url=file:$W/aide.report
Inventory = p+i+n+u+g+s+m+c+sha256
$TREE Inventory
CONF
aide --config="$W/aide.conf" --config-check >/dev/null || { echo "scan_vs_aide: bad AIDE config" >&2; exit 1; }

cold() {  # drops the page cache when allowed, then waits SETTLE s; prints "cold" or why not
  sync
  if { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
    sleep "$SETTLE"
    echo cold
  else
    echo "not cold (drop_caches refused)"
  fi
}
# measure NAME CMD... — wall seconds and peak RSS (KiB) of CMD into $W/NAME.{wall,rss}
measure() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
    echo "scan_vs_aide: $name failed:" >&2
    cat "$W/$name.err" >&2
    exit 1
  }
  read -r wall rss <"$W/$name.time"
  echo "$wall" >"$W/$name.wall"
  echo "$rss" >"$W/$name.rss"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { /usr/bin/python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }

echo "scan_vs_aide: $TREE with $SIGNET and $(aide --version 2>&1 | head -n 1), $CORES cores"
echo "  files: $(find "$TREE" -xdev -type f | wc -l), $(du -sxh "$TREE" 2>/dev/null | cut -f1)"
echo "  each cold run starts $SETTLE s after the page cache is dropped (BENCH_SETTLE)"

# Rounds of AIDE and signet, cold and then warm, alternating which goes first: each round's ratio
# compares two runs made minutes apart, and the verdict is on the median round (a shared machine
# drifts). Warm: before each run every file of the tree is read once (`cat`), so each starts with
# what the page cache keeps of the whole tree (the cold runs leave little in it: signet reads
# uncached files with O_DIRECT, and the caches were dropped before each run).
warm() {
  find "$TREE" -xdev -type f -print0 2>/dev/null | xargs -0 -r cat -- >/dev/null 2>&1 || true
  echo warm
}
rows=()
declare -A ratios
rounds() {  # rounds cold|warm
  local kind=$1 i tool state l
  local first=(aide signet)
  [[ $kind == warm ]] && first=(signet aide)
  for i in $(seq 1 "$ROUNDS"); do
    local order=("${first[@]}")
    ((i % 2 == 1)) || order=("${first[1]}" "${first[0]}")
    for tool in "${order[@]}"; do
      state=$($kind)
      l=$(load)
      if [[ $tool == aide ]]; then
        measure "aide-$kind-$i" aide --config="$W/aide.conf" --init
      else
        measure "signet-$kind-$i" "$SIGNET" scan "$TREE" --db "$W/$kind-$i.db" --no-progress
      fi
      rows+=("$tool $kind $i $state|$(cat "$W/$tool-$kind-$i.wall")|$(cat "$W/$tool-$kind-$i.rss")|$l")
    done
    ratios[$kind]+="$(ratio "$(cat "$W/signet-$kind-$i.wall")" "$(cat "$W/aide-$kind-$i.wall")") "
  done
}
rounds cold
rounds warm
rescans=()
for i in $(seq 1 "$RESCANS"); do
  measure "rescan-$i" "$SIGNET" scan "$TREE" --db "$W/warm-$ROUNDS.db" --no-progress
  rescans+=("$(cat "$W/rescan-$i.wall") $(cat "$W/rescan-$i.rss")")
done
l5=$(load)
grep -q "unchanged" "$W/rescan-1.out" && sed -n 2p "$W/rescan-1.out" | sed 's/^/  rescan: /'

row() { printf '%-40s %10s %12s %s\n' "$1" "$2" "$3" "$4"; }
echo
row "run" "wall (s)" "peak RSS" "load avg (1 5 15 min) before"
for r in "${rows[@]}"; do
  IFS='|' read -r what wall rss l <<<"$r"
  read -r tool kind i state <<<"$what"
  [[ $tool == aide ]] && name="aide --init" || name="signet scan"
  name="$name, $kind round $i"
  [[ $state == "$kind" ]] || name="$name ($state)"
  row "$name" "$wall" "$((rss / 1024)) MiB" "$l"
done
for i in "${!rescans[@]}"; do
  read -r wall rss <<<"${rescans[$i]}"
  row "signet scan, unchanged rescan $((i + 1))" "$wall" "$((rss / 1024)) MiB" ""
done
echo "  load average after: $l5"

# The median round (of an even number, the higher of the two middle ones).
median_round() {
  local r
  read -ra r <<<"${ratios[$1]}"
  printf '%s\n' "${r[@]}" | sort -n | sed -n "$((ROUNDS / 2 + 1))p"
}
cold_ratio=$(median_round cold)
warm_ratio=$(median_round warm)
best=$(printf '%s\n' "${rescans[@]}" | cut -d' ' -f1 | sort -n | head -n 1)
median=$(printf '%s\n' "${rescans[@]}" | cut -d' ' -f1 | sort -n | sed -n "$(((RESCANS + 1) / 2))p")
peak=$(cat "$W"/signet-*.rss "$W"/rescan-*.rss | sort -n | tail -n 1)
verdict() { /usr/bin/python3 -c "import sys; print('PASS' if float(sys.argv[1]) <= float(sys.argv[2]) else 'MISS')" "$1" "$2"; }
echo
cold_label=cold
[[ " ${rows[*]} " == *"not cold"* ]] && cold_label="not cold (drop_caches refused)"
echo "first scan, $cold_label: signet/AIDE = $cold_ratio, the median of $ROUNDS rounds (${ratios[cold]% })   (target <= 0.2: $(verdict "$cold_ratio" 0.2))"
echo "first scan, warm:  signet/AIDE = $warm_ratio, the median of $ROUNDS rounds (${ratios[warm]% })   (target <= 0.2: $(verdict "$warm_ratio" 0.2))"
echo "unchanged rescan:  best $best s, median $median s   (target <= 2 s: $(verdict "$best" 2))"
echo "signet peak RSS:   $((peak / 1024)) MiB   (target <= 256 MiB: $(verdict "$peak" $((256 * 1024))))"
