#!/usr/bin/env bash
# A SignedData made by stock `openssl cms -sign` over a correct Statement is accepted exactly when it
# carries the mandatory signed attributes and meets the signet profile.
source "$(dirname "$0")/lib.sh"

head -c 4096 /dev/urandom >prog.bin
write_policy policy.toml
T=acme/plc-5000/line3/plc1
sha=$(sha256sum prog.bin | cut -d' ' -f1)
cat >statement.json <<JSON
{"_type":"https://in-toto.io/Statement/v1","predicate":{"class":"plc-program","counter":3,"target":"$T","version":"1.0"},"predicateType":"urn:signet:predicate:release:v1","subject":[{"digest":{"sha256":"$sha"},"name":"prog.bin"}]}
JSON
ossl_sign() {  # OUT CERT KEY [openssl args]
  local out=$1 cert=$2 key=$3
  shift 3
  openssl cms -sign -nodetach -binary -outform DER -in statement.json -signer "$cert" -inkey "$key" \
    -certfile "$P/chain.pem" -out "$out" "$@"
}

# -cades adds ESS signingCertificateV2; OpenSSL adds contentType, messageDigest, signingTime itself.
ossl_sign cades.sig "$P/carol.pem" "$P/carol.key" -cades
expect_allow openssl-cades-ec prog.bin --sig cades.sig --policy policy.toml
ossl_sign plain.sig "$P/carol.pem" "$P/carol.key"
expect_deny openssl-without-cades MISSING_SIGNED_ATTRIBUTES prog.bin --sig plain.sig --policy policy.toml
grep -q signingCertificateV2 plain.json 2>/dev/null || json_get openssl-without-cades.json "d['reasons']" | grep -q signingCertificateV2 &&
  pass "the missing attribute is named" || failed "missing attribute not named"
ossl_sign noattr.sig "$P/carol.pem" "$P/carol.key" -noattr
expect_deny openssl-noattr MISSING_SIGNED_ATTRIBUTES prog.bin --sig noattr.sig --policy policy.toml

# RSA: PSS with a 3072-bit key meets the profile; PKCS#1 v1.5 does not.
ossl_sign pss.sig "$P/rsa3072.pem" "$P/rsa3072.key" -cades -keyopt rsa_padding_mode:pss
expect_allow openssl-rsa-pss-3072 prog.bin --sig pss.sig --policy policy.toml
ossl_sign pkcs1.sig "$P/rsa3072.pem" "$P/rsa3072.key" -cades
expect_deny openssl-rsa-pkcs1 WEAK_ALGORITHM prog.bin --sig pkcs1.sig --policy policy.toml

# A Statement that is not signet's (wrong predicateType) is malformed for signet.
sed 's/urn:signet:predicate:release:v1/https:\/\/slsa.dev\/provenance\/v1/' statement.json >foreign.json
openssl cms -sign -nodetach -binary -outform DER -in foreign.json -signer "$P/carol.pem" \
  -inkey "$P/carol.key" -certfile "$P/chain.pem" -cades -out foreign.sig
expect_deny foreign-predicate MALFORMED prog.bin --sig foreign.sig --policy policy.toml
# Detached CMS is not a native signature; detected as such, it covers statement.json, not prog.bin.
openssl cms -sign -binary -outform DER -in statement.json -signer "$P/carol.pem" -inkey "$P/carol.key" -cades -out detached.sig
expect_deny detached-as-native MALFORMED prog.bin --sig detached.sig --policy policy.toml --format signet
expect_deny detached-auto DIGEST_MISMATCH prog.bin --sig detached.sig --policy policy.toml
finish
