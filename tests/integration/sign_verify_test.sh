#!/usr/bin/env bash
# Signing with keys inside a SoftHSM2 token, verifying with signet and with stock OpenSSL.
source "$(dirname "$0")/lib.sh"

head -c 300000 /dev/urandom >fw.bin
head -c 5000 /dev/urandom >fw-module.bin
echo 'PROGRAM Main; VAR x : INT; END_VAR x := x + 1; END_PROGRAM' >plc1.st
write_policy policy.toml

# One EC signer in the token, one file.
expect_exit 0 "sign firmware with a token key" -- "$SIGNET" sign fw.bin --key "$KEY_ALICE" \
  --cert "$P/alice.pem" --chain "$P/chain.pem" --class firmware --target acme/plc-5000/line3/plc1 \
  --version 2.4.1 --counter 7 --ticket CHG-1001 --description "line 3 firmware" -o fw.bin.sig
if grep -q "warning" "$W/last.out"; then failed "token key printed a warning"; else pass "no dev-key warning for a token key"; fi
expect_allow allow-ec fw.bin --policy policy.toml
[[ $(json_get allow-ec.json "d['signers'][0]['publisher']") == ot-engineering ]] &&
  pass "signer trusted as ot-engineering" || failed "publisher not reported"
[[ $(json_get allow-ec.json "d['rule']") == firmware-line3 ]] && pass "rule reported" || failed "rule"
[[ $(json_get allow-ec.json "d['artifacts'][0]['sha256']") == $(sha256sum fw.bin | cut -d' ' -f1) ]] &&
  pass "artifact digest reported" || failed "artifact digest"
[[ $(json_get allow-ec.json "d['enforced']") == True ]] && pass "enforced" || failed "enforced"
[[ $(json_get allow-ec.json "d['statement']['predicate']['counter']") == 7 ]] && pass "statement in JSON" || failed "statement"

# Stock OpenSSL accepts it and prints the Statement, whose subject digest is sha256sum's.
if openssl cms -verify -inform DER -in fw.bin.sig -CAfile "$P/root.pem" -purpose any -out stmt.json 2>ossl.err; then
  pass "openssl cms -verify accepts the signature"
else
  failed "openssl cms -verify rejected it: $(cat ossl.err)"
fi
[[ $(json_get stmt.json "d['subject'][0]['digest']['sha256']") == $(sha256sum fw.bin | cut -d' ' -f1) ]] &&
  pass "Statement subject digest equals sha256sum" || failed "Statement digest differs from sha256sum"
[[ $(json_get stmt.json "d['predicateType']") == urn:signet:predicate:release:v1 ]] &&
  pass "predicateType" || failed "predicateType"
[[ $(json_get stmt.json "d['_type']") == https://in-toto.io/Statement/v1 ]] && pass "_type" || failed "_type"

# RSA-3072 in the token signs RSA-PSS.
expect_exit 0 "sign with the token RSA key" -- "$SIGNET" sign fw.bin --key "$KEY_RSA" \
  --cert "$P/release-rsa.pem" --chain "$P/chain.pem" --class firmware --target acme/plc-5000/line3/plc1 \
  -o fw-rsa.sig
expect_allow allow-rsa fw.bin --sig fw-rsa.sig --policy policy.toml
"$SIGNET" inspect --json fw-rsa.sig >inspect-rsa.json
[[ $(json_get inspect-rsa.json "d['signers'][0]['signature_algorithm']") == rsa-pss ]] &&
  pass "RSA signer uses RSA-PSS" || failed "RSA signer algorithm"
openssl cms -verify -inform DER -in fw-rsa.sig -CAfile "$P/root.pem" -purpose any -out /dev/null 2>/dev/null &&
  pass "openssl accepts the RSA-PSS signature" || failed "openssl rejects the RSA-PSS signature"

# One signature over a whole release: every file must match, mix-and-match is caught.
expect_exit 0 "sign a two-image package" -- "$SIGNET" sign fw.bin fw-module.bin --key "$KEY_ALICE" \
  --cert "$P/alice.pem" --chain "$P/chain.pem" --class firmware --target acme/plc-5000/line3/plc1 -o pkg.sig
expect_allow allow-pkg fw.bin fw-module.bin --sig pkg.sig --policy policy.toml
mkdir -p swapped && cp fw.bin swapped/fw-module.bin && cp fw-module.bin swapped/fw.bin
expect_deny mix-and-match DIGEST_MISMATCH swapped/fw.bin swapped/fw-module.bin --sig pkg.sig --policy policy.toml

# A second signer added with --cosign keeps the Statement and both signers verify.
expect_exit 0 "cosign by Bob" -- "$SIGNET" sign --cosign fw.bin.sig --key "$KEY_BOB" \
  --cert "$P/bob.pem" --chain "$P/chain.pem" -o fw-two.sig
expect_allow allow-two fw.bin --sig fw-two.sig --policy policy.toml
[[ $(json_get allow-two.json "len(d['signers'])") == 2 && $(json_get allow-two.json "all(s['trusted'] for s in d['signers'])") == True ]] &&
  pass "two trusted signers after cosign" || failed "cosign signers"
openssl cms -verify -inform DER -in fw.bin.sig -CAfile "$P/root.pem" -purpose any -out a.json 2>/dev/null
openssl cms -verify -inform DER -in fw-two.sig -CAfile "$P/root.pem" -purpose any -out b.json 2>/dev/null &&
  pass "openssl accepts the cosigned signature" || failed "openssl rejects the cosigned signature"
cmp -s a.json b.json && pass "cosign left the Statement unchanged" || failed "cosign changed the Statement"

# Timestamped with the token TSA key; inspect shows the token.
expect_exit 0 "sign with a timestamp" -- "$SIGNET" sign plc1.st --key "$KEY_ALICE" --cert "$P/alice.pem" \
  --chain "$P/chain.pem" --class plc-program --target acme/plc-5000/line3/plc1 \
  --tsa-key "$KEY_TSA" --tsa-cert "$P/tsa.pem" --tsa-chain "$P/chain.pem" -o plc1.st.sig
expect_allow allow-ts plc1.st --policy policy.toml
[[ $(json_get allow-ts.json "d['signers'][0]['timestamp'] is not None") == True ]] &&
  pass "timestamp reported" || failed "timestamp not reported"
expect_exit 0 "inspect" -- "$SIGNET" inspect plc1.st.sig
grep -q "timestamp: " "$W/last.out" && grep -q "Example Plant TSA" "$W/last.out" &&
  pass "inspect shows the timestamp" || failed "inspect output: $(cat "$W/last.out")"
# Cosigning with a timestamp stamps the new signer (found by certificate: SignerInfos get re-sorted).
expect_exit 0 "cosign with a timestamp" -- "$SIGNET" sign --cosign plc1.st.sig --key "$KEY_BOB" \
  --cert "$P/bob.pem" --chain "$P/chain.pem" --tsa-key "$KEY_TSA" --tsa-cert "$P/tsa.pem" \
  --tsa-chain "$P/chain.pem" -o plc1-two.sig
expect_allow allow-two-ts plc1.st --sig plc1-two.sig --policy policy.toml
[[ $(json_get allow-two-ts.json "sum(1 for s in d['signers'] if s['timestamp'])") == 2 ]] &&
  pass "both signers carry a timestamp" || failed "cosigned signer lacks its timestamp"
expect_exit 0 "version" -- "$SIGNET" version
finish
