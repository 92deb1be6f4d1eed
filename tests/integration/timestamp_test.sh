#!/usr/bin/env bash
# RFC 3161 timestamps: a signer whose certificate expired after signing stays valid through a token
# from a trusted TSA dated inside the certificate's validity.
source "$(dirname "$0")/lib.sh"

head -c 20000 /dev/urandom >fw.bin
write_policy policy.toml
T=acme/plc-5000/line3/plc1
sign_expired() {  # OUT [extra]
  local out=$1
  shift
  "$SIGNET" sign fw.bin --key "file:$P/expired.key" --cert "$P/expired.pem" --chain "$P/chain.pem" \
    --class firmware --target "$T" --signing-time 2020-06-01T12:00:00Z -o "$out" "$@" 2>/dev/null ||
    failed "signing $out"
}
sign_expired no-ts.sig
sign_expired ts.sig --tsa-key "file:$P/tsa-file.key" --tsa-cert "$P/tsa-file.pem" --tsa-chain "$P/chain.pem"
expect_deny expired-without-timestamp CERT_EXPIRED fw.bin --sig no-ts.sig --policy policy.toml
expect_allow expired-with-timestamp fw.bin --sig ts.sig --policy policy.toml
[[ $(json_get expired-with-timestamp.json "d['signers'][0]['timestamp']") == 2020-06-01T12:00:00Z ]] &&
  pass "validated at the timestamp's time" || failed "timestamp time not reported"

# A timestamp dated outside the certificate's validity does not rescue it.
"$SIGNET" sign fw.bin --key "file:$P/expired.key" --cert "$P/expired.pem" --chain "$P/chain.pem" \
  --class firmware --target "$T" --signing-time 2022-06-01T12:00:00Z \
  --tsa-key "file:$P/tsa-file.key" --tsa-cert "$P/tsa-file.pem" --tsa-chain "$P/chain.pem" -o late.sig 2>/dev/null
expect_deny timestamp-after-expiry CERT_EXPIRED fw.bin --sig late.sig --policy policy.toml

# TSA anchors: a store whose tsa_anchors do not include our root refuses the token.
write_policy tsa-policy.toml
sed -i "s|^anchors = \[\"$P/root.pem\"\]|&\ntsa_anchors = [\"$P/other-root.pem\"]|" tsa-policy.toml
expect_deny untrusted-tsa TIMESTAMP_INVALID fw.bin --sig ts.sig --policy tsa-policy.toml

# A TSA certificate without the timeStamping EKU is refused at signing time.
expect_exit 2 "TSA without timeStamping EKU" -- "$SIGNET" sign fw.bin --key "$KEY_ALICE" --cert "$P/alice.pem" \
  --class firmware --target "$T" --tsa-key "file:$P/carol.key" --tsa-cert "$P/carol.pem" -o x.sig

# require_timestamp is met by a valid token.
write_policy ts-policy.toml
sed -i 's/^publishers = \["ot-engineering", "release"\]/&\nrequire_timestamp = true/' ts-policy.toml
expect_allow timestamp-required-present fw.bin --sig ts.sig --policy ts-policy.toml
expect_deny timestamp-required-absent TIMESTAMP_REQUIRED fw.bin --sig no-ts.sig --policy ts-policy.toml --at 2020-07-01T00:00:00Z
finish
