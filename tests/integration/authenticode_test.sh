#!/usr/bin/env bash
# PE images signed here with osslsigncode under the test PKI: without and with an RFC 3161 timestamp
# from a local TSA (a loopback HTTP TSA answering with `openssl ts -reply`, and osslsigncode's
# built-in TSA where it has one; TSA key from the test PKI), two signatures (nested), an expired
# signer accepted only through its timestamp, a SHA-1 image digest refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debian_packages.sh"
deb_extract shim-unsigned pkg || { failed "download shim-unsigned"; finish; exit 1; }
cp pkg/usr/lib/shim/fbx64.efi plain.efi

# RSA-2048 signers (RSA PKCS#1 v1.5 is what Authenticode uses) under the plant's issuing CA.
cat >ext.cnf <<'CNF'
[codesign]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
CNF
leaf() {  # NAME SUBJECT EXT DAYS [FAKETIME]
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  local run=()
  [[ -n ${5:-} ]] && run=(faketime "$5")
  "${run[@]}" openssl x509 -req -in "$1.csr" -CA "$P/inter.pem" -CAkey "$P/inter.key" \
    -CAcreateserial -CAserial inter.srl -days "$4" -sha256 -extfile ext.cnf -extensions "$3" \
    -out "$1.pem" 2>/dev/null
  cat "$1.pem" "$P/inter.pem" >"$1-chain.pem"
}
leaf dana "/C=DE/O=Example Plant/OU=OT Engineering/CN=Dana" codesign 3650
leaf erik "/C=DE/O=Example Plant/OU=OT Engineering/CN=Erik" codesign 3650
leaf old "/C=DE/O=Example Plant/OU=OT Engineering/CN=Old Signer" codesign 365 '2020-01-01 00:00:00'
leaf ts "/O=Example Plant/CN=Example Plant File TSA" tsa 9000 '2019-01-01 00:00:00'
write_policy policy.toml '[[rule]]
id = "windows-tools"
class = "executable"
publishers = ["ot-engineering"]'
# (write_policy's own rules are for firmware and PLC programs; executables get a rule of their own)

# RFC 3161 over HTTP from a loopback TSA (openssl ts -reply), one answering now and one answering as
# of 2020 (under faketime); osslsigncode >= 2.6 also has a built-in TSA, used where it exists.
cat >tsa.cnf <<'CNF'
[ tsa ]
default_tsa = this
[ this ]
serial = ./tsa-serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.2.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
echo 01 >tsa-serial
TSA_PIDS=()
stop_tsas() {
  local pid_file
  for pid_file in "$W"/tsa-*.port.pid; do [[ -f $pid_file ]] && kill "$(cat "$pid_file")" 2>/dev/null; done
  for pid in "${TSA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_tsas EXIT
HERE=$(dirname "$0")
start_tsa() {  # VAR PORT_FILE [faketime spec] — starts a TSA, sets VAR to its URL
  local run=()
  [[ -n ${3:-} ]] && run=(faketime "$3")
  "${run[@]}" /usr/bin/python3 "$HERE/local_tsa.py" "$W/$2" "$W/ts.pem" "$W/ts.key" \
    "$P/inter.pem" "$W/tsa.cnf" >"$W/$2.log" 2>&1 &
  TSA_PIDS+=($!)
  for _ in $(seq 100); do [[ -s $W/$2 ]] && break; sleep 0.1; done
  [[ -s $W/$2 ]] || failed "local TSA did not start: $(cat "$W/$2.log")"
  printf -v "$1" 'http://127.0.0.1:%s/' "$(cat "$W/$2" 2>/dev/null)"
}
start_tsa TSA_NOW tsa-now.port
start_tsa TSA_2020 tsa-2020.port '2020-06-01 12:00:00'
if osslsigncode sign --help 2>&1 | grep -q -- '-TSA-certs'; then
  tsa_now=(-TSA-certs ts-chain.pem -TSA-key ts.key)
else
  tsa_now=(-ts "$TSA_NOW")
fi

SIGN_RUN=()
sign() {  # IN OUT [osslsigncode options...]   (under ${SIGN_RUN[@]}, e.g. faketime)
  local in=$1 out=$2
  shift 2
  "${SIGN_RUN[@]}" osslsigncode sign -in "$in" -out "$out" "$@" >"$W/sign.log" 2>&1 ||
    { failed "osslsigncode sign $*"; sed 's/^/     | /' "$W/sign.log"; }
}
sign plain.efi signed.efi -certs dana-chain.pem -key dana.key -h sha256
expect_allow signed --class executable signed.efi --policy policy.toml
[[ $(json_get signed.json "d['format']") == authenticode ]] && pass "detected as authenticode" ||
  failed "format $(json_get signed.json "d['format']")"

sign plain.efi stamped.efi -certs dana-chain.pem -key dana.key -h sha256 -ts "$TSA_NOW"
expect_allow stamped --class executable stamped.efi --policy policy.toml
[[ $(json_get stamped.json "d['signers'][0]['timestamp'] is not None") == True ]] &&
  pass "RFC 3161 timestamp verified" || failed "no verified timestamp"

# Two signatures: a nested one by a second signer.
sign stamped.efi nested.efi -certs erik-chain.pem -key erik.key -h sha384 -nest "${tsa_now[@]}"
expect_allow nested --class executable nested.efi --policy policy.toml
[[ $(json_get nested.json "len([s for s in d['signers'] if s['trusted']])") == 2 ]] &&
  pass "both signatures trusted" || failed "signers: $(json_get nested.json "d['signers']")"

# Expired signer: signed (and stamped) in 2020 while its certificate was valid.
SIGN_RUN=(faketime '2020-06-01 12:00:00')
sign plain.efi old-stamped.efi -certs old-chain.pem -key old.key -h sha256 -ts "$TSA_2020"
sign plain.efi old-unstamped.efi -certs old-chain.pem -key old.key -h sha256
SIGN_RUN=()
expect_allow expired-with-timestamp --class executable old-stamped.efi --policy policy.toml
expect_deny expired-without-timestamp CERT_EXPIRED --class executable old-unstamped.efi \
  --policy policy.toml
# A timestamp from a TSA the store does not trust is never fine.
cat >other-tsa.toml <<POL
[trust_store.plant]
anchors = ["$P/root.pem"]
tsa_anchors = ["$P/other-root.pem"]

[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id = "windows-tools"
class = "executable"
publishers = ["ot-engineering"]
POL
expect_deny untrusted-tsa TIMESTAMP_INVALID --class executable stamped.efi --policy other-tsa.toml

# Tampering after signing.
cp signed.efi tampered.efi
printf '\x90' | dd of=tampered.efi bs=1 seek=5000 conv=notrunc status=none
expect_deny tampered DIGEST_MISMATCH --class executable tampered.efi --policy policy.toml
# SHA-1 image digest: refused by the algorithm profile.
sign plain.efi sha1.efi -certs dana-chain.pem -key dana.key -h sha1
expect_deny sha1 WEAK_ALGORITHM --class executable sha1.efi --policy policy.toml
# A rule that requires a timestamp.
write_policy ts-required.toml '[[rule]]
id = "windows-tools"
class = "executable"
publishers = ["ot-engineering"]
require_timestamp = true'
expect_deny no-timestamp TIMESTAMP_REQUIRED --class executable signed.efi --policy ts-required.toml
expect_allow with-timestamp --class executable stamped.efi --policy ts-required.toml

# A large image (fbx64.efi with 6 MiB of overlay): its digests are read back from the file in
# chunks (core/mapped_file.hpp, for_each_chunk). --json names it by the whole file's SHA-256; the
# plain form (nothing reported) computes only the image digest, and decides the same.
{ cat plain.efi; head -c $((6 << 20)) /dev/urandom; } >big-plain.efi
sign big-plain.efi big.efi -certs dana-chain.pem -key dana.key -h sha256
expect_allow big --class executable big.efi --policy policy.toml
[[ $(json_get big.json "d['artifacts'][0]['sha256']") == "$(sha256sum big.efi | cut -d' ' -f1)" ]] &&
  pass "--json names the artifact by sha256sum's digest" || failed "artifact: $(json_get big.json "d['artifacts']")"
expect_exit 0 "large image, plain output: allowed" -- "$SIGNET" verify --class executable big.efi --policy policy.toml
grep -q "^ALLOW big.efi" "$W/last.out" && pass "…ALLOW printed" || failed "plain: $(cat "$W/last.out")"
cp big.efi big-tampered.efi
printf '\x90' | dd of=big-tampered.efi bs=1 seek=$((5 << 20)) conv=notrunc status=none
expect_exit 1 "large image altered past 4 MiB, plain output: denied" -- \
  "$SIGNET" verify --class executable big-tampered.efi --policy policy.toml
grep -q "DIGEST_MISMATCH" "$W/last.out" && pass "…DIGEST_MISMATCH" || failed "plain: $(cat "$W/last.out")"
expect_deny big-tampered DIGEST_MISMATCH --class executable big-tampered.efi --policy policy.toml

expect_exit 0 "inspect nested" -- "$SIGNET" inspect nested.efi
grep -q "nested 1" "$W/last.out" && grep -q "CN=Erik" "$W/last.out" && grep -q "sha384" "$W/last.out" &&
  grep -q "timestamp: " "$W/last.out" && pass "inspect lists both signatures with timestamps" ||
  failed "inspect: $(cat "$W/last.out")"
finish
