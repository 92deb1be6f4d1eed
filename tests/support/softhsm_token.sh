#!/usr/bin/env bash
# softhsm_token.sh DIR [LABEL] — a SoftHSM2 test token with signing keys generated inside it.
#
# Creates DIR/softhsm2.conf (token store DIR/tokens, log level ERROR), initializes a token LABEL
# (default "signet-test"; SO PIN 87654321, user PIN 123456) and generates, inside the token, so that
# the private keys never exist anywhere else:
#
#   label        id  key
#   signer-ec    01  EC P-256
#   signer-rsa   02  RSA 3072
#   signer2-ec   03  EC P-256 (a second signer, and a "wrong key" for mismatch tests)
#
# and writes each public key as DIR/<label>.pub.pem, ready for
# `openssl x509 -req -force_pubkey DIR/<label>.pub.pem ...` to certify it.
#
# Callers then point every PKCS#11 consumer at the token with
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
# and use e.g. "pkcs11:token=signet-test;object=signer-ec?pin-value=123456".
#
# Idempotent (and safe to run concurrently on the same DIR; it takes a lock): when DIR already
# holds a complete token, it does nothing. Prints nothing unless something fails.
# Environment: SIGNET_PKCS11_MODULE overrides the module (default: SoftHSM2's).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 DIR [LABEL]" >&2
  exit 2
fi

dir=$1
label=${2:-signet-test}
so_pin=87654321
user_pin=123456
module=${SIGNET_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
keys=("signer-ec:01:EC:prime256v1" "signer-rsa:02:rsa:3072" "signer2-ec:03:EC:prime256v1")

die() {
  echo "softhsm_token.sh: $*" >&2
  exit 1
}

# Runs a command quietly; on failure shows what it printed.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "softhsm_token.sh: failed: $*" >&2
    echo "$out" >&2
    exit 1
  fi
}

[[ -r $module ]] || die "PKCS#11 module not found: $module"
for tool in softhsm2-util pkcs11-tool openssl flock; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done

mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
conf=$dir/softhsm2.conf
export SOFTHSM2_CONF=$conf

exec 9>"$dir/.softhsm_token.lock"
flock 9

if [[ ! -f $conf ]]; then
  cat >"$conf.tmp" <<EOF
# SoftHSM2 configuration for signet tests (written by tests/support/softhsm_token.sh)
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
  mv "$conf.tmp" "$conf"
fi

token_present() {
  softhsm2-util --show-slots 2>/dev/null | grep -Eq "^ *Label: *${label} *$"
}

complete() {
  token_present || return 1
  local spec
  for spec in "${keys[@]}"; do
    [[ -s $dir/${spec%%:*}.pub.pem ]] || return 1
  done
}

if complete; then
  exit 0
fi

# A half-made token (an earlier run was interrupted) is rebuilt from scratch.
if token_present; then
  quiet softhsm2-util --delete-token --token "$label"
fi
for spec in "${keys[@]}"; do
  rm -f "$dir/${spec%%:*}.pub.pem"
done

quiet softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$user_pin"

p11=(pkcs11-tool --module "$module" --token-label "$label")
for spec in "${keys[@]}"; do
  IFS=: read -r key_label key_id key_alg key_param <<<"$spec"
  quiet "${p11[@]}" --login --pin "$user_pin" --keypairgen --key-type "$key_alg:$key_param" \
    --label "$key_label" --id "$key_id" --usage-sign
  der=$dir/$key_label.pub.der
  quiet "${p11[@]}" --read-object --type pubkey --id "$key_id" --output-file "$der"
  quiet openssl pkey -pubin -inform DER -in "$der" -outform PEM -out "$dir/$key_label.pub.pem.tmp"
  mv "$dir/$key_label.pub.pem.tmp" "$dir/$key_label.pub.pem"
  rm -f "$der"
done

complete || die "token $label in $dir is incomplete after setup"
