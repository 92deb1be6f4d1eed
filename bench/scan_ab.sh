#!/usr/bin/env bash
# Two builds of signet against each other on a warm first scan of one tree (figures, never
# assertions): ROUNDS pairs, A then B, each run right after every file of the tree was read (cat),
# each into a fresh database. Prints wall, user and system CPU seconds and peak RSS per run. Made to
# see what one change does: the two runs of a pair are made a minute apart, so a shared, noisy
# machine moves both.
#
#   bash bench/scan_ab.sh ROUNDS SIGNET_A SIGNET_B [TREE]        (TREE defaults to /usr)
set -euo pipefail
[[ $# -ge 3 && $1 =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: scan_ab.sh ROUNDS SIGNET_A SIGNET_B [TREE]" >&2
  exit 2
}
ROUNDS=$1
A=$2
B=$3
TREE=${4:-/usr}
W=$(mktemp -d "${TMPDIR:-/var/tmp}/signet-scan-ab.XXXXXX")
trap 'rm -rf "$W"' EXIT
warm() { find "$TREE" -xdev -type f -print0 2>/dev/null | xargs -0 -r cat -- >/dev/null 2>&1 || true; }
printf '%-6s %5s %8s %8s %8s %9s\n' build round wall user system "RSS MiB"
for i in $(seq 1 "$ROUNDS"); do
  for tag in A B; do
    bin=$A
    [[ $tag == B ]] && bin=$B
    warm
    rm -f "$W"/db*
    /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$bin" scan "$TREE" --db "$W/db" --no-progress \
      >"$W/out" 2>&1 || { cat "$W/out" >&2; exit 1; }
    read -r wall user sys rss <"$W/time"
    printf '%-6s %5s %8s %8s %8s %9s\n' "$tag" "$i" "$wall" "$user" "$sys" "$((rss / 1024))"
  done
done
