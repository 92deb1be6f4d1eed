#!/usr/bin/env bash
# Detached CMS/PKCS#7 over a vendor file (FILE + FILE.p7s, DER or PEM), made here with openssl cms
# under the test PKI: verified with --class/--target as context, altered content is DIGEST_MISMATCH.
source "$(dirname "$0")/lib.sh"
write_policy policy.toml
head -c 200000 /dev/urandom >plc5000-fw.bin
openssl cms -sign -binary -in plc5000-fw.bin -signer "$P/carol.pem" -inkey "$P/carol.key" \
  -certfile "$P/chain.pem" -outform DER -out plc5000-fw.bin.p7s -md sha256
expect_allow der --class firmware --target acme/plc-5000/line3/plc1 plc5000-fw.bin --policy policy.toml
[[ $(json_get der.json "d['format']") == cms-detached ]] && pass "detected as cms-detached" ||
  failed "format $(json_get der.json "d['format']")"
openssl cms -sign -binary -in plc5000-fw.bin -signer "$P/carol.pem" -inkey "$P/carol.key" \
  -certfile "$P/chain.pem" -outform PEM -out fw.pem -md sha256
expect_allow pem --format cms-detached --class firmware --target acme/plc-5000/line3/plc1 \
  plc5000-fw.bin --sig fw.pem --policy policy.toml
expect_deny wrong-target NO_RULE --class firmware --target acme/plc-5000/line4/plc1 plc5000-fw.bin \
  --policy policy.toml
expect_deny no-context NO_RULE plc5000-fw.bin --policy policy.toml
cp plc5000-fw.bin altered.bin && printf 'x' >>altered.bin
expect_deny altered DIGEST_MISMATCH --class firmware --target acme/plc-5000/line3/plc1 altered.bin \
  --sig plc5000-fw.bin.p7s --policy policy.toml
openssl cms -sign -binary -in plc5000-fw.bin -signer "$P/stranger.pem" -inkey "$P/stranger.key" \
  -outform DER -out stranger.p7s -md sha256
expect_deny stranger UNTRUSTED_CHAIN --class firmware --target acme/plc-5000/line3/plc1 \
  plc5000-fw.bin --sig stranger.p7s --policy policy.toml
openssl cms -sign -binary -in plc5000-fw.bin -signer "$P/rsa1024.pem" -inkey "$P/rsa1024.key" \
  -certfile "$P/chain.pem" -outform DER -out small.p7s -md sha256
expect_deny small-key WEAK_ALGORITHM --class firmware --target acme/plc-5000/line3/plc1 \
  plc5000-fw.bin --sig small.p7s --policy policy.toml
# Without --json and without an event sink the artifact goes unnamed (no whole-file digest is
# computed, docs/formats.md): the decisions are the same.
expect_exit 0 "plain output (artifact unnamed): allowed" -- "$SIGNET" verify --class firmware \
  --target acme/plc-5000/line3/plc1 plc5000-fw.bin --policy policy.toml
expect_exit 1 "plain output (artifact unnamed), altered: denied" -- "$SIGNET" verify \
  --class firmware --target acme/plc-5000/line3/plc1 altered.bin --sig plc5000-fw.bin.p7s \
  --policy policy.toml
grep -q DIGEST_MISMATCH "$W/last.out" && pass "…DIGEST_MISMATCH" || failed "$(cat "$W/last.out")"
expect_exit 0 "inspect" -- "$SIGNET" inspect plc5000-fw.bin.p7s
grep -q "Carol" "$W/last.out" && pass "inspect names the signer" || failed "$(cat "$W/last.out")"
finish
