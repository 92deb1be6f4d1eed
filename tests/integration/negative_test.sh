#!/usr/bin/env bash
# Every reason code the foundation promises, each asserted exactly.
source "$(dirname "$0")/lib.sh"

head -c 100000 /dev/urandom >fw.bin
head -c 100 /dev/urandom >other.bin
write_policy policy.toml
T=acme/plc-5000/line3/plc1
sign() {  # OUT KEY CERT [extra args] — signs fw.bin as line-3 firmware
  local out=$1 key=$2 cert=$3
  shift 3
  "$SIGNET" sign fw.bin --key "$key" --cert "$cert" --chain "$P/chain.pem" --class firmware \
    --target "$T" -o "$out" "$@" 2>/dev/null || failed "signing $out"
}
sign good.sig "$KEY_ALICE" "$P/alice.pem"
expect_allow control fw.bin --sig good.sig --policy policy.toml

# Tampered file; a file that the signature does not cover.
cp fw.bin tampered.bin && printf 'X' | dd of=tampered.bin bs=1 seek=5000 conv=notrunc 2>/dev/null
mkdir -p t && cp tampered.bin t/fw.bin
expect_deny tampered DIGEST_MISMATCH t/fw.bin --sig good.sig --policy policy.toml
expect_deny not-covered DIGEST_MISMATCH other.bin --sig good.sig --policy policy.toml

# Chain to another root.
sign stranger.sig "file:$P/stranger.key" "$P/stranger.pem"
expect_deny other-root UNTRUSTED_CHAIN fw.bin --sig stranger.sig --policy policy.toml

# Expired signer without timestamp (signed while it was valid).
sign expired.sig "file:$P/expired.key" "$P/expired.pem" --signing-time 2020-06-01T12:00:00Z
expect_deny expired CERT_EXPIRED fw.bin --sig expired.sig --policy policy.toml
expect_allow expired-at-signing-time fw.bin --sig expired.sig --policy policy.toml --at 2020-06-02T00:00:00Z

# Revoked signer: the store carries the CRLs, which makes revocation checking mandatory.
sign revoked.sig "file:$P/revoked.key" "$P/revoked.pem"
write_policy crl-policy.toml
sed -i "s|^anchors = \[\"$P/root.pem\"\]|&\ncrls = [\"$P/inter.crl\", \"$P/root.crl\"]|" crl-policy.toml
expect_deny revoked CERT_REVOKED fw.bin --sig revoked.sig --policy crl-policy.toml
expect_allow not-revoked fw.bin --sig good.sig --policy crl-policy.toml
# The CRL can also travel inside the signature.
sign revoked-embedded.sig "file:$P/revoked.key" "$P/revoked.pem" --crl "$P/inter.crl"
expect_deny revoked-embedded-crl CERT_REVOKED fw.bin --sig revoked-embedded.sig --policy policy.toml

# No EKU, wrong EKU.
sign noeku.sig "file:$P/noeku.key" "$P/noeku.pem"
expect_deny no-eku WRONG_EKU fw.bin --sig noeku.sig --policy policy.toml
sign email.sig "file:$P/email.key" "$P/email.pem"
expect_deny wrong-eku WRONG_EKU fw.bin --sig email.sig --policy policy.toml

# Subject not matching any publisher.
sign mallory.sig "file:$P/mallory.key" "$P/mallory.pem"
expect_deny untrusted-publisher UNTRUSTED_PUBLISHER fw.bin --sig mallory.sig --policy policy.toml

# Weak algorithms: RSA-1024 signer, SHA-1 digest (made with openssl, which allows it), SHA-1 certificate.
sign rsa1024.sig "file:$P/rsa1024.key" "$P/rsa1024.pem"
expect_deny rsa-1024 WEAK_ALGORITHM fw.bin --sig rsa1024.sig --policy policy.toml
"$SIGNET" sign fw.bin --class firmware --target "$T" --key "file:$P/carol.key" --cert "$P/carol.pem" -o stmt-src.sig 2>/dev/null
openssl cms -verify -inform DER -in stmt-src.sig -noverify -out statement.json 2>/dev/null
openssl cms -sign -nodetach -binary -outform DER -md sha1 -cades -in statement.json -signer "$P/carol.pem" \
  -inkey "$P/carol.key" -certfile "$P/chain.pem" -out sha1.sig
expect_deny sha1-digest WEAK_ALGORITHM fw.bin --sig sha1.sig --policy policy.toml
sign sha1cert.sig "file:$P/sha1.key" "$P/sha1.pem"
expect_deny sha1-certificate WEAK_ALGORITHM fw.bin --sig sha1cert.sig --policy policy.toml

# Signer without signed attributes.
openssl cms -sign -nodetach -binary -outform DER -noattr -in statement.json -signer "$P/carol.pem" \
  -inkey "$P/carol.key" -certfile "$P/chain.pem" -out noattr.sig
expect_deny no-signed-attributes MISSING_SIGNED_ATTRIBUTES fw.bin --sig noattr.sig --policy policy.toml

# Truncated, empty, trailing garbage, not a signature at all; no signature.
head -c 200 good.sig >truncated.sig
: >empty.sig
cat good.sig >trailing.sig && printf 'garbage' >>trailing.sig
expect_deny truncated MALFORMED fw.bin --sig truncated.sig --policy policy.toml
expect_deny empty MALFORMED fw.bin --sig empty.sig --policy policy.toml
expect_deny trailing-garbage MALFORMED fw.bin --sig trailing.sig --policy policy.toml
expect_deny not-cms MALFORMED fw.bin --sig fw.bin --policy policy.toml
expect_deny unsigned UNSIGNED other.bin --policy policy.toml

# Class or target not matching any rule.
"$SIGNET" sign fw.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" --class config \
  --target "$T" -o class.sig 2>/dev/null
expect_deny wrong-class NO_RULE fw.bin --sig class.sig --policy policy.toml
"$SIGNET" sign fw.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" --class firmware \
  --target acme/plc-5000/line4/plc9 -o target.sig 2>/dev/null
expect_deny wrong-target NO_RULE fw.bin --sig target.sig --policy policy.toml

# A rule that requires a timestamp, and none is present.
write_policy ts-policy.toml
sed -i 's/^publishers = \["ot-engineering", "release"\]/&\nrequire_timestamp = true/' ts-policy.toml
expect_deny timestamp-required TIMESTAMP_REQUIRED fw.bin --sig good.sig --policy ts-policy.toml

# Audit mode: the same denial is reported but not enforced (exit 0).
write_policy audit-policy.toml
sed -i 's/^mode = "enforce"/mode = "audit"/' audit-policy.toml
verify_json audit 0 t/fw.bin --sig good.sig --policy audit-policy.toml &&
  [[ $(json_get audit.json "d['decision'], d['enforced']") == "deny False" ]] &&
  pass "audit mode reports deny, not enforced, exit 0" || failed "audit mode"
finish
