#!/usr/bin/env bash
# Authenticode verification of a 100 MiB PE: `signet verify` against `osslsigncode verify` on the
# same file in the same run (issue 5 target: signet >= 3x faster). A figure, never an assertion.
# `signet verify` is measured as a terminal user runs it and with --json, which also names the
# artifact by its whole-file SHA-256 (a second pass; docs/formats.md, "How the artifact is named").
# Two baselines from the same run: `openssl dgst -sha256` of the file (a plain read-and-hash tool),
# and the ceiling of the ratio on this machine: osslsigncode's time over the least a verifier
# needs, which is starting with OpenSSL loaded (`openssl version`) plus SHA-256 of the image at the
# CPU's own speed (`openssl speed`, data in cache, best of two). Any verifier hashes every byte of
# the image once, so none can beat osslsigncode by more than that.
#
#   bash bench/authenticode_vs_osslsigncode.sh [SIGNET_BINARY]      (default: build/signet)
#
# Environment: BENCH_DIR (scratch; default $TMPDIR, else the binary's dir), BENCH_PE_MIB (100),
# BENCH_RUNS (hyperfine runs; 10), BENCH_KEEP=1 keeps the scratch dir.
# Needs: openssl, osslsigncode, hyperfine, python3. Prints wall and CPU time of both and the
# ratios; writes results.json in the scratch dir. Exit 0 when the measurements ran.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SIGNET=${1:-$HERE/../build/signet}
[[ -x $SIGNET ]] || { echo "authenticode bench: no signet binary at $SIGNET" >&2; exit 1; }
SIGNET=$(cd "$(dirname "$SIGNET")" && pwd)/$(basename "$SIGNET")
MIB=${BENCH_PE_MIB:-100}
RUNS=${BENCH_RUNS:-10}
for tool in openssl osslsigncode hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "authenticode bench: $tool is needed" >&2; exit 1; }
done
base=${BENCH_DIR:-${TMPDIR:-$(dirname "$SIGNET")}}
mkdir -p "$base"
W=$(mktemp -d "$(cd "$base" && pwd)/signet-authenticode-bench.XXXXXX")
[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
cd "$W"

# An RSA-2048 code-signing PKI (what Authenticode signers use) and a PE32+ image of MIB MiB.
cat >ext.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -subj "/O=Bench/CN=Root" \
  -days 30 -config ext.cnf -extensions ca 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/O=Bench/CN=Signer" \
  -config ext.cnf 2>/dev/null
openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -sha256 \
  -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
python3 - "$MIB" <<'PY'
import os, struct, sys
size = int(sys.argv[1]) << 20
h = bytearray(4096)
h[0:2] = b"MZ"; struct.pack_into("<I", h, 0x3c, 64); h[64:68] = b"PE\0\0"
struct.pack_into("<HH", h, 68, 0x8664, 1)            # machine, one section
struct.pack_into("<H", h, 68 + 16, 240)              # SizeOfOptionalHeader (PE32+)
opt = 88
struct.pack_into("<H", h, opt, 0x20b)
struct.pack_into("<I", h, opt + 60, 4096)            # SizeOfHeaders
struct.pack_into("<H", h, opt + 68, 3)               # console subsystem
struct.pack_into("<I", h, opt + 108, 16)             # data directories
sec = opt + 240
h[sec:sec + 8] = b".data\0\0\0"
struct.pack_into("<IIII", h, sec + 8, size, 4096, size, 4096)
with open("big.exe", "wb") as f:
    f.write(h)
    block = os.urandom(1 << 20)
    for _ in range(int(sys.argv[1])):
        f.write(block)
PY
osslsigncode sign -certs leaf.pem -key leaf.key -h sha256 -in big.exe -out signed.exe >/dev/null
cat >policy.toml <<'TOML'
[trust_store.bench]
anchors = ["root.pem"]
[publisher.bench]
store = "bench"
subject = "O=Bench, CN=*"
[[rule]]
id = "bench"
class = "executable"
publishers = ["bench"]
TOML
"$SIGNET" verify --class executable signed.exe --policy policy.toml >/dev/null ||
  { echo "authenticode bench: signet does not allow the signed image" >&2; exit 1; }
osslsigncode verify -in signed.exe -CAfile root.pem -TSA-CAfile root.pem >/dev/null 2>&1 ||
  { echo "authenticode bench: osslsigncode does not verify the signed image" >&2; exit 1; }

sha_speed() {  # SHA-256 throughput in bytes/s at the CPU's own speed (256 KiB blocks, in cache)
  openssl speed -evp sha256 -bytes 262144 -seconds 1 2>/dev/null |
    awk '$1 == "sha256" { sub(/k$/, "", $2); printf "%.0f\n", $2 * 1000 }'
}
speed_before=$(sha_speed)
hyperfine -N -w 2 -r "$RUNS" --export-json results.json \
  -n signet "$SIGNET verify --class executable signed.exe --policy policy.toml" \
  -n signet-json "$SIGNET verify --json --class executable signed.exe --policy policy.toml" \
  -n osslsigncode "osslsigncode verify -in signed.exe -CAfile root.pem -TSA-CAfile root.pem" \
  -n openssl-dgst "openssl dgst -sha256 signed.exe" \
  -n openssl-start "openssl version" \
  >hyperfine.txt 2>&1 || { cat hyperfine.txt; exit 1; }
speed_after=$(sha_speed)
python3 - "$MIB" "$(stat -c %s signed.exe)" "$speed_before" "$speed_after" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open("results.json"))["results"]}
s, j, o, d = r["signet"], r["signet-json"], r["osslsigncode"], r["openssl-dgst"]
start = r["openssl-start"]["median"]
size, speed = int(sys.argv[2]), max(int(sys.argv[3] or 0), int(sys.argv[4] or 0))
cpu = lambda x: x["user"] + x["system"]
wall = o["median"] / s["median"]
print(f"Authenticode verify, {sys.argv[1]} MiB PE32+, SHA-256, RSA-2048 (median of {len(s['times'])} runs)")
print(f"  signet verify        wall {s['median']*1000:8.1f} ms   cpu {cpu(s)*1000:8.1f} ms")
print(f"  signet verify --json wall {j['median']*1000:8.1f} ms   cpu {cpu(j)*1000:8.1f} ms"
      "   (the decision reported: also the whole-file SHA-256)")
print(f"  osslsigncode verify  wall {o['median']*1000:8.1f} ms   cpu {cpu(o)*1000:8.1f} ms")
print(f"  ratio (osslsigncode / signet): wall {wall:.2f}x, cpu {cpu(o)/cpu(s):.2f}x, min/min "
      f"{o['min']/s['min']:.2f}x")
print(f"  ratio with --json: wall {o['median'] / j['median']:.2f}x, cpu {cpu(o)/cpu(j):.2f}x")
print(f"  openssl dgst -sha256 wall {d['median']*1000:8.1f} ms   cpu {cpu(d)*1000:8.1f} ms"
      f"   (signet verify takes {s['median'] / d['median']:.2f}x of it)")
if speed:
    floor = start + size / speed
    print(f"  least a verifier needs: start with OpenSSL ({start*1000:.1f} ms, openssl version) + "
          f"SHA-256 of the image at the CPU's own speed ({speed / 1e6:.0f} MB/s, openssl speed) = "
          f"{floor*1000:.1f} ms")
    print(f"  ceiling on this machine now: osslsigncode / that = {o['median'] / floor:.2f}x "
          "(no verifier that hashes the image can do better)")
print(f"  target >= 3x faster (wall, median): {'PASS' if wall >= 3 else 'MISS'}")
PY
