#!/usr/bin/env bash
# Builds the integration-test PKI in OUT (default: build/it-work/pki). Idempotent: a complete OUT
# (marker file OUT/.complete) is left alone.
#
#   hsm/            SoftHSM2 token "signet-test" (user PIN 123456), keys made inside the token:
#                   signer-ec (id 01), signer-rsa (id 02, RSA-3072), signer2-ec (id 03), tsa-ec (id 04)
#   root.pem        "Example Plant Root CA" (EC P-256)          inter.pem  "Example Plant Code Signing CA"
#   other-root.pem  an unrelated root                           chain.pem  inter.pem (for --chain)
#   Token-key certificates (valid from now for 10 years, issued by inter):
#     alice.pem (signer-ec, codeSigning)  bob.pem (signer2-ec, codeSigning)
#     release-rsa.pem (signer-rsa, codeSigning)  tsa.pem (tsa-ec, critical timeStamping)
#   File-key certificates for negative tests (KEY = NAME.key, unencrypted, tests only):
#     carol (codeSigning, EC), noeku, email (emailProtection), mallory (O=Other Corp, codeSigning), expired (2020-01-01..2021-01-01),
#     revoked (revoked in inter.crl), rsa1024, stranger (issued by other-root), sha1 (cert signed with SHA-1)
#   inter.crl, root.crl   CRLs valid until 2045 (revoked.pem is listed in inter.crl)
#   env.sh          SOFTHSM2_CONF, SIGNET_PKCS11_PIN and key URIs for scripts to source
set -euo pipefail
OUT=${1:?usage: make_test_pki.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
[[ -f $OUT/.complete ]] && exit 0
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
OUT=$(pwd)

bash "$HERE/softhsm_token.sh" "$OUT/hsm" signet-test
export SOFTHSM2_CONF=$OUT/hsm/softhsm2.conf
PIN=123456
MODULE=/usr/lib/softhsm/libsofthsm2.so
# The TSA key also lives in the token.
pkcs11-tool --module "$MODULE" --token-label signet-test --login --pin "$PIN" \
  --keypairgen --key-type EC:prime256v1 --label tsa-ec --id 04 >/dev/null 2>&1
pkcs11-tool --module "$MODULE" --token-label signet-test --read-object --type pubkey --id 04 \
  -o hsm/tsa-ec.pub.der >/dev/null 2>&1
openssl pkey -pubin -inform DER -in hsm/tsa-ec.pub.der -out hsm/tsa-ec.pub.pem

# --- a CA directory usable by `openssl ca` -------------------------------------------------------
ca_init() {  # NAME
  mkdir -p "ca-$1/new"
  : >"ca-$1/index.txt"
  echo 1000 >"ca-$1/serial"
  echo 01 >"ca-$1/crlnumber"
  cat >"ca-$1/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
dir = $OUT/ca-$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $OUT/$1.pem
private_key = $OUT/$1.key
default_md = sha256
default_crl_days = 7000
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ codesign ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ noeku ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ email ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
}

# issue CA NAME SUBJECT EXT START END [KEYTYPE] [MD] — file key NAME.key, certificate NAME.pem
issue() {
  local ca=$1 name=$2 subj=$3 ext=$4 start=$5 end=$6 keytype=${7:-ec} md=${8:-sha256}
  case $keytype in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null ;;
    rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$name.key" 2>/dev/null ;;
    rsa3072) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$name.key" 2>/dev/null ;;
  esac
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  openssl ca -batch -config "ca-$ca/ca.cnf" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -md "$md" -notext -in "$name.csr" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}

# token_cert CA NAME PUBKEY SUBJECT EXT — certificate for a key that lives in the token
token_cert() {
  local ca=$1 name=$2 pub=$3 subj=$4 ext=$5
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out throwaway.key 2>/dev/null
  openssl req -new -key throwaway.key -subj "$subj" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -force_pubkey "$pub" -CA "$ca.pem" -CAkey "$ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "ca-$ca/ca.cnf" -extensions "$ext" \
    -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" throwaway.key
}

selfsigned_root() {  # NAME SUBJECT
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
  ca_init "$1"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  openssl ca -batch -selfsign -keyfile "$1.key" -config "ca-$1/ca.cnf" -extensions v3_ca \
    -startdate 20150101000000Z -enddate 20450101000000Z -notext -in "$1.csr" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}

selfsigned_root root "/O=Example Plant/CN=Example Plant Root CA"
selfsigned_root other-root "/O=Somebody Else/CN=Unrelated Root CA"
issue root inter "/O=Example Plant/CN=Example Plant Code Signing CA" v3_ca 20150101000000Z 20440101000000Z
ca_init inter
cp inter.pem chain.pem

token_cert inter alice hsm/signer-ec.pub.pem "/C=DE/O=Example Plant/OU=OT Engineering/CN=Alice" codesign
token_cert inter bob hsm/signer2-ec.pub.pem "/C=DE/O=Example Plant/OU=OT Engineering/CN=Bob" codesign
token_cert inter release-rsa hsm/signer-rsa.pub.pem "/O=Example Plant/OU=Release Engineering/CN=Release Build" codesign
token_cert inter tsa hsm/tsa-ec.pub.pem "/O=Example Plant/CN=Example Plant TSA" tsa

now=$(date -u +%Y%m%d%H%M%SZ)
in10y=$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)
issue inter carol "/C=DE/O=Example Plant/OU=OT Engineering/CN=Carol" codesign "$now" "$in10y"
issue inter noeku "/O=Example Plant/OU=OT Engineering/CN=No EKU" noeku "$now" "$in10y"
issue inter email "/O=Example Plant/OU=OT Engineering/CN=Mail Only" email "$now" "$in10y"
issue inter mallory "/O=Other Corp/OU=OT Engineering/CN=Mallory" codesign "$now" "$in10y"
issue inter expired "/O=Example Plant/OU=OT Engineering/CN=Expired Signer" codesign 20200101000000Z 20210101000000Z
issue inter revoked "/O=Example Plant/OU=OT Engineering/CN=Revoked Signer" codesign "$now" "$in10y"
issue inter rsa1024 "/O=Example Plant/OU=OT Engineering/CN=Small Key" codesign "$now" "$in10y" rsa1024
issue inter sha1 "/O=Example Plant/OU=OT Engineering/CN=SHA1 Cert" codesign "$now" "$in10y" ec sha1
issue inter rsa3072 "/O=Example Plant/OU=OT Engineering/CN=File RSA" codesign "$now" "$in10y" rsa3072
issue other-root stranger "/O=Example Plant/OU=OT Engineering/CN=Stranger" codesign "$now" "$in10y"
# A TSA that was already valid in 2020 (for back-dated timestamp tests), file key.
issue inter tsa-file "/O=Example Plant/CN=Example Plant TSA (file)" tsa 20150101000000Z 20400101000000Z

openssl ca -batch -config ca-inter/ca.cnf -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -batch -config ca-inter/ca.cnf -gencrl -crldays 7000 -out inter.crl 2>/dev/null
openssl ca -batch -config ca-root/ca.cnf -gencrl -crldays 7000 -out root.crl 2>/dev/null

cat >env.sh <<ENV
export SOFTHSM2_CONF=$OUT/hsm/softhsm2.conf
export SIGNET_PKCS11_PIN=$PIN
export KEY_ALICE='pkcs11:token=signet-test;object=signer-ec;type=private'
export KEY_BOB='pkcs11:token=signet-test;object=signer2-ec;type=private'
export KEY_RSA='pkcs11:token=signet-test;object=signer-rsa;type=private'
export KEY_TSA='pkcs11:token=signet-test;object=tsa-ec;type=private'
ENV
touch .complete
