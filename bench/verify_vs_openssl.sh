#!/usr/bin/env bash
# `signet verify` against the issue's performance targets, each measured against a baseline taken
# in the same run (a figure, never an assertion: the machine may be shared and noisy):
#
#   1. wall time of `signet verify` on a 1 GiB file  <= 1.10 x  `openssl dgst -sha256` of it
#   2. peak RSS of `signet verify`                   <= 64 MiB, for a 1 MiB and a 1 GiB file
#   3. one `signet verify` process on a small file   <= 10 ms wall
#
#   bash bench/verify_vs_openssl.sh [SIGNET_BINARY]        (default: build/signet)
#
# Environment: BENCH_DIR (where the scratch dir is made; default $TMPDIR, else the binary's dir),
# BENCH_BIG_MIB (default 1024), BENCH_RUNS (hyperfine runs for the big file; default 5),
# BENCH_SMALL_RUNS (default 100), BENCH_KEEP=1 keeps the scratch dir.
# Needs: openssl, hyperfine, python3; /usr/bin/time (Debian package `time`) for RSS if present,
# else python3's getrusage(RUSAGE_CHILDREN).
# Prints a table and a PASS/MISS line per target; writes results.json in the scratch dir.
# Exit status: 0 when the measurements ran (whatever PASS/MISS says), 1 on a setup error.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SIGNET=${1:-$HERE/../build/signet}
[[ -x $SIGNET ]] || { echo "verify_vs_openssl: no signet binary at $SIGNET" >&2; exit 1; }
SIGNET=$(cd "$(dirname "$SIGNET")" && pwd)/$(basename "$SIGNET")
BIG_MIB=${BENCH_BIG_MIB:-1024}
RUNS=${BENCH_RUNS:-5}
SMALL_RUNS=${BENCH_SMALL_RUNS:-100}
for tool in openssl hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "verify_vs_openssl: $tool is needed" >&2; exit 1; }
done

# Scratch space: the big file must not land on a small tmpfs.
if [[ -n ${BENCH_DIR:-} ]]; then
  base=$BENCH_DIR
elif [[ -n ${TMPDIR:-} ]]; then
  base=$TMPDIR
else
  base=$(dirname "$SIGNET")
fi
mkdir -p "$base"
W=$(mktemp -d "$(cd "$base" && pwd)/signet-bench.XXXXXX")
[[ $W != *' '* ]] || { echo "verify_vs_openssl: scratch dir $W contains a space" >&2; exit 1; }
[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
need_kib=$(((BIG_MIB + 64) * 1024))
free_kib=$(df -Pk "$W" | awk 'NR==2 {print $4}')
if ((free_kib < need_kib)); then
  echo "verify_vs_openssl: $W has $((free_kib / 1024)) MiB free, needs $((need_kib / 1024)) MiB;" \
    "set BENCH_DIR or BENCH_BIG_MIB" >&2
  exit 1
fi
cd "$W"

# --- a throwaway PKI: EC P-256 root + leaf with the codeSigning EKU -------------------------------
cat >ext.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key 2>/dev/null
openssl req -new -x509 -key root.key -subj "/O=Bench/CN=Bench Root" -days 30 -sha256 \
  -config ext.cnf -extensions ca -out root.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj "/O=Bench/CN=bench" -config ext.cnf -out leaf.csr
openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -sha256 \
  -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
cat >policy.toml <<'TOML'
[trust_store.bench]
anchors = ["root.pem"]
[publisher.bench]
store = "bench"
subject = "O=Bench, CN=*"
[[rule]]
id = "bench"
class = "firmware"
publishers = ["bench"]
TOML

# --- the files, signed once before timing -----------------------------------------------------------
head -c 4096 /dev/urandom >small.bin
head -c $((1 << 20)) /dev/urandom >mid.bin
echo "verify_vs_openssl: writing a ${BIG_MIB} MiB file in $W ..." >&2
# Random 1 MiB block repeated: incompressible enough for any filesystem, much faster than urandom.
head -c $((1 << 20)) /dev/urandom >block.bin
for ((i = 0; i < BIG_MIB; i++)); do cat block.bin; done >big.bin
rm -f block.bin
for f in small mid big; do
  "$SIGNET" sign "$f.bin" --key file:leaf.key --cert leaf.pem --class firmware --target bench/x \
    -o "$f.bin.sig" 2>sign.err || { cat sign.err >&2; exit 1; }
  if ! "$SIGNET" verify "$f.bin" --policy policy.toml >verify.out 2>&1; then
    echo "verify_vs_openssl: signet verify $f.bin did not allow it:" >&2
    cat verify.out >&2
    exit 1
  fi
done

# --- 1. 1 GiB: signet verify vs openssl dgst -sha256 --------------------------------------------
cat big.bin >/dev/null  # page cache warm for both (the hyperfine warmup run does the same)
hyperfine -N --warmup 1 --runs "$RUNS" --export-json big.json --style basic \
  -n "openssl dgst -sha256 (${BIG_MIB} MiB)" "openssl dgst -sha256 $W/big.bin" \
  -n "signet verify (${BIG_MIB} MiB)" "$SIGNET verify $W/big.bin --policy $W/policy.toml" \
  >big.txt 2>&1 || { cat big.txt >&2; exit 1; }

# --- 3. small file: one signet verify process ------------------------------------------------------
hyperfine -N --warmup 5 --runs "$SMALL_RUNS" --export-json small.json --style basic \
  -n "process spawn floor (/bin/true)" "/bin/true" \
  -n "openssl dgst -sha256 (4 KiB)" "openssl dgst -sha256 $W/small.bin" \
  -n "signet verify (4 KiB)" "$SIGNET verify $W/small.bin --policy $W/policy.toml" \
  >small.txt 2>&1 || { cat small.txt >&2; exit 1; }

# --- 2. peak RSS ----------------------------------------------------------------------------------
peak_rss_kib() {  # COMMAND... -> max RSS of that one process, KiB
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
  else
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
  fi
}
rss_tool=$([[ -x /usr/bin/time ]] && echo "/usr/bin/time -v" || echo "python3 getrusage")
rss_mid=$(peak_rss_kib "$SIGNET" verify mid.bin --policy policy.toml)
rss_big=$(peak_rss_kib "$SIGNET" verify big.bin --policy policy.toml)
rss_openssl=$(peak_rss_kib openssl dgst -sha256 big.bin)

# --- instructions of one small-file verify (load-independent; needs valgrind, optional) ------------
instructions() {  # COMMAND... -> instructions executed (callgrind), or "-"
  if ! command -v valgrind >/dev/null; then echo -; return; fi
  valgrind --tool=callgrind --callgrind-out-file="$W/callgrind.out" "$@" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -n 1
}
ir_verify=$(instructions "$SIGNET" verify small.bin --policy policy.toml)
ir_openssl=$(instructions openssl dgst -sha256 small.bin)

# --- report -----------------------------------------------------------------------------------------
python3 - "$W" "$BIG_MIB" "$rss_mid" "$rss_big" "$rss_openssl" "$rss_tool" "${ir_verify:--}" \
  "${ir_openssl:--}" <<'PY'
import json, os, sys
w, big_mib, rss_mid, rss_big, rss_openssl, rss_tool, ir_verify, ir_openssl = sys.argv[1:]
big = json.load(open(os.path.join(w, "big.json")))["results"]
small = json.load(open(os.path.join(w, "small.json")))["results"]
def stats(r):
    return r["mean"], r["stddev"] or 0.0, r["min"], r["max"], len(r["times"])
def cpu(r):
    return r["user"] + r["system"]
o, s_ = big
ratio = s_["mean"] / o["mean"]
ratio_min = s_["min"] / o["min"]
ratio_cpu = cpu(s_) / cpu(o)
floor, sm_o, sm = small
sm_mean, sm_sd, sm_min, _, _ = stats(sm)
rss_mid_mib, rss_big_mib = int(rss_mid) / 1024, int(rss_big) / 1024
def verdict(ok): return "PASS" if ok else "MISS"

print(f"\n{'measurement':40} {'mean':>10} {'stddev':>9} {'min':>10} {'user+sys':>10} {'runs':>5}")
for r in big + small:
    m, sd, mn, _, n = stats(r)
    print(f"{r['command']:40} {m*1e3:8.1f}ms {sd*1e3:7.1f}ms {mn*1e3:8.1f}ms"
          f" {cpu(r)*1e3:8.1f}ms {n:5d}")
print(f"{'peak RSS signet verify (1 MiB)':40} {rss_mid_mib:8.1f}MiB")
print(f"{'peak RSS signet verify (' + big_mib + ' MiB)':40} {rss_big_mib:8.1f}MiB")
print(f"{'peak RSS openssl dgst (' + big_mib + ' MiB)':40} {int(rss_openssl)/1024:8.1f}MiB")
if ir_verify != "-":
    print(f"{'instructions signet verify (4 KiB)':40} {int(ir_verify)/1e6:8.1f}M")
    print(f"{'instructions openssl dgst (4 KiB)':40} {int(ir_openssl)/1e6:8.1f}M")
print(f"(RSS via {rss_tool}; {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.2f})\n")

res = {
    "big_file_mib": int(big_mib),
    "verify_over_openssl_ratio_mean": ratio,
    "verify_over_openssl_ratio_min": ratio_min,
    "verify_over_openssl_ratio_cpu": ratio_cpu,
    "verify_big_mean_s": s_["mean"], "openssl_big_mean_s": o["mean"],
    "verify_small_mean_ms": sm_mean * 1e3, "verify_small_min_ms": sm_min * 1e3,
    "verify_small_cpu_ms": cpu(sm) * 1e3,
    "openssl_small_mean_ms": sm_o["mean"] * 1e3, "spawn_floor_mean_ms": floor["mean"] * 1e3,
    "peak_rss_mib": {"1MiB": rss_mid_mib, f"{big_mib}MiB": rss_big_mib},
    "rss_tool": rss_tool,
    "instructions_small_verify": None if ir_verify == "-" else int(ir_verify),
    "instructions_small_openssl_dgst": None if ir_openssl == "-" else int(ir_openssl),
    "loadavg_1min": os.getloadavg()[0],
}
json.dump(res, open(os.path.join(w, "results.json"), "w"), indent=2)
print(f"1. verify/openssl wall time ({big_mib} MiB): {ratio:.3f}x of means "
      f"(min/min {ratio_min:.3f}x, CPU {ratio_cpu:.3f}x)  (target <= 1.10x)  {verdict(ratio <= 1.10)}")
print(f"2. peak RSS: {rss_mid_mib:.1f} MiB (1 MiB), {rss_big_mib:.1f} MiB ({big_mib} MiB)  "
      f"(target <= 64 MiB)  {verdict(max(rss_mid_mib, rss_big_mib) <= 64)}")
print(f"3. small-file verify: {sm_mean*1e3:.2f} ms mean +- {sm_sd*1e3:.2f}, min {sm_min*1e3:.2f}, "
      f"CPU {cpu(sm)*1e3:.2f} ms  (target <= 10 ms; spawn floor {floor['mean']*1e3:.2f} ms, "
      f"openssl dgst {sm_o['mean']*1e3:.2f} ms)  {verdict(sm_mean <= 0.010)}")
PY
if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "verify_vs_openssl: kept $W" >&2; fi
