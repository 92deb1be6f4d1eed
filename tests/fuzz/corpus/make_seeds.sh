#!/usr/bin/env bash
# Regenerates the DER seeds of fuzz_cms, fuzz_native_signature and fuzz_timestamp with a throwaway
# PKI made in a temp dir (keys are deleted afterwards; only signatures and tokens are kept).
#   bash tests/fuzz/corpus/make_seeds.sh
# fuzz_cms seeds start with a mode byte (see fuzz_cms.cpp): 00 = whole SignedData, 01 = detached
# SignedData over the fixed content "signet fuzz data".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

cat >ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[codesign]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ec root
openssl req -new -x509 -key root.key -subj "/O=Fuzz/CN=Fuzz Root" -days 3650 -sha256 \
  -extensions ca -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n'; cat ext.cnf) -out root.pem
issue() {  # NAME SUBJECT EXT
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -sha256 \
    -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
}
ec leaf
issue leaf "/O=Fuzz/CN=fuzz signer" codesign
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
issue rsa "/O=Fuzz/CN=fuzz rsa signer" codesign
ec tsa
issue tsa "/O=Fuzz/CN=fuzz tsa" tsa

statement=$HERE/fuzz_statement/release.json
mkdir -p "$HERE/fuzz_cms" "$HERE/fuzz_native_signature" "$HERE/fuzz_timestamp"

# Native-signature-shaped: attached CAdES (signingCertificateV2) over a Statement.
openssl cms -sign -nodetach -binary -outform DER -cades -md sha256 -in "$statement" \
  -signer leaf.pem -inkey leaf.key -certfile root.pem -out attached-ec.der
# RSA-PSS, SHA-384, no chain.
openssl cms -sign -nodetach -binary -outform DER -cades -md sha384 -in "$statement" \
  -signer rsa.pem -inkey rsa.key -keyopt rsa_padding_mode:pss -out attached-rsapss.der
# Without signed attributes (-noattr): a profile violation the parser must report, not crash on.
openssl cms -sign -nodetach -binary -outform DER -noattr -in "$statement" \
  -signer leaf.pem -inkey leaf.key -out attached-noattr.der
# Two signers.
openssl cms -sign -nodetach -binary -outform DER -cades -in "$statement" \
  -signer leaf.pem -inkey leaf.key -signer rsa.pem -inkey rsa.key -out attached-two.der
# Detached over the fixed fuzz_cms content.
printf 'signet fuzz data' >content.bin
openssl cms -sign -binary -outform DER -cades -in content.bin -signer leaf.pem -inkey leaf.key \
  -out detached-ec.der

for f in attached-ec attached-rsapss attached-noattr attached-two; do
  cp "$f.der" "$HERE/fuzz_native_signature/$f.der"
  { printf '\x00'; cat "$f.der"; } >"$HERE/fuzz_cms/$f.bin"
done
{ printf '\x01'; cat detached-ec.der; } >"$HERE/fuzz_cms/detached-ec.bin"

# RFC 3161 token over the signature file (what signet time-stamps is a SignerInfo's signature).
cat >tsa.cnf <<CNF
[tsa]
default_tsa = fuzz
[fuzz]
serial = $T/tsaserial
signer_cert = $T/tsa.pem
certs = $T/root.pem
signer_key = $T/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.2.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
CNF
echo 01 >tsaserial
openssl ts -query -data attached-ec.der -sha256 -cert -out req.tsq 2>/dev/null
openssl ts -reply -config tsa.cnf -section fuzz -queryfile req.tsq -out resp.tsr 2>/dev/null
openssl ts -reply -in resp.tsr -token_out -out "$HERE/fuzz_timestamp/token-ec-certs.der" 2>/dev/null
openssl ts -query -data attached-ec.der -sha512 -no_nonce -out req2.tsq 2>/dev/null
openssl ts -reply -config tsa.cnf -section fuzz -queryfile req2.tsq -out resp2.tsr 2>/dev/null
openssl ts -reply -in resp2.tsr -token_out -out "$HERE/fuzz_timestamp/token-sha512-nocert.der" 2>/dev/null
du -sb --apparent-size "$HERE"
