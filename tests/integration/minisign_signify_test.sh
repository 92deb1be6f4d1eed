#!/usr/bin/env bash
# minisign vectors from ../shared/data/minisign (results per its README), minisign signatures made
# here with Debian's minisign, and signify signatures made here with signify-openbsd. Publishers of
# these kinds name a public key (minisign_key / signify_key) instead of a trust store.
source "$(dirname "$0")/lib.sh"
M=${SIGNET_SHARED_DATA:?}/minisign
GO_KEY=$(sed -n 2p "$M/go.pub")

key_policy() {  # FILE KIND KEY [EXTRA RULE TOML]
  cat >"$1" <<POL
[publisher.vendor]
$2_key = "$3"

[[rule]]
id = "tools"
class = "executable"
publishers = ["vendor"]
${4:-}
POL
}
key_policy go.toml minisign "$GO_KEY"

# --- the published vectors ----------------------------------------------------------------------
expect_allow legacy --class executable "$M/test" --sig "$M/legacy.minisig" --policy go.toml
expect_allow hashed --class executable "$M/test" --sig "$M/hashed.minisig" --policy go.toml
[[ $(json_get hashed.json "d['format']") == minisign ]] && pass "detected as minisign" ||
  failed "format $(json_get hashed.json "d['format']")"
expect_deny trusted-comment BAD_SIGNATURE --class executable "$M/test" --sig "$M/tc.minisig" \
  --policy go.toml
expect_deny tampered BAD_SIGNATURE --class executable "$M/test-tampered" --sig "$M/hashed.minisig" \
  --policy go.toml

# --- made here with minisign ---------------------------------------------------------------------
minisign -G -W -p mk.pub -s mk.sec >/dev/null 2>&1
MK=$(sed -n 2p mk.pub)
key_policy mine.toml minisign "$MK"
head -c 100000 /dev/urandom >tool.bin
minisign -S -s mk.sec -m tool.bin -t "release 1.2" >/dev/null 2>&1  # prehashed (ED) by default
expect_allow made-hashed --class executable tool.bin --policy mine.toml
cp tool.bin legacy.bin
minisign -S -l -s mk.sec -m legacy.bin >/dev/null 2>&1
expect_allow made-legacy --format minisign --class executable legacy.bin --policy mine.toml
expect_deny other-key UNTRUSTED_PUBLISHER --class executable tool.bin --policy go.toml
printf 'x' >>tool.bin
expect_deny made-altered BAD_SIGNATURE --class executable tool.bin --policy mine.toml
key_policy ts.toml minisign "$MK" 'require_timestamp = true'
expect_deny no-timestamp TIMESTAMP_REQUIRED --class executable legacy.bin --policy ts.toml
head -n 3 legacy.bin.minisig >cut.minisig
expect_deny cut-signature MALFORMED --format minisign --class executable legacy.bin \
  --sig cut.minisig --policy mine.toml

# --- signify ----------------------------------------------------------------------------------------
signify-openbsd -G -n -p sk.pub -s sk.sec >/dev/null 2>&1
SK=$(sed -n 2p sk.pub)
key_policy signify.toml signify "$SK"
head -c 50000 /dev/urandom >firmware.img
signify-openbsd -S -s sk.sec -m firmware.img -x firmware.img.sig
expect_allow signify --class executable firmware.img --policy signify.toml
[[ $(json_get signify.json "d['format']") == signify ]] && pass "detected as signify" ||
  failed "format $(json_get signify.json "d['format']")"
expect_allow signify-forced --format signify --class executable firmware.img --policy signify.toml
cp firmware.img firmware-altered.img
printf '\x00' | dd of=firmware-altered.img bs=1 seek=10 conv=notrunc status=none
expect_deny signify-altered BAD_SIGNATURE --class executable firmware-altered.img \
  --sig firmware.img.sig --policy signify.toml
# A minisign publisher does not vouch for a signify signature with another key.
expect_deny signify-wrong-kind UNTRUSTED_PUBLISHER --class executable firmware.img --policy mine.toml
# A bad key in the policy is a configuration error (exit 2).
key_policy bad.toml signify "RWQnotakey"
expect_exit 2 "bad signify_key" -- "$SIGNET" verify --class executable firmware.img --policy bad.toml

expect_exit 0 "inspect a minisign signature" -- "$SIGNET" inspect "$M/hashed.minisig"
grep -q "E7620F1842B4E81F" "$W/last.out" && grep -q "timestamp:1635443258" "$W/last.out" &&
  pass "inspect shows key id and trusted comment" || failed "inspect: $(cat "$W/last.out")"
finish
