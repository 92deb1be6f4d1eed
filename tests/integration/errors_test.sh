#!/usr/bin/env bash
# Usage and configuration errors exit 2 with a clear message and never crash; key errors included
# (Debian 12's libp11 engine segfaults on some of these: signet must not).
source "$(dirname "$0")/lib.sh"

echo data >f.bin
write_policy policy.toml
"$SIGNET" sign f.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" --class firmware \
  --target acme/x/line3/y -o f.bin.sig 2>/dev/null

key_error() {  # DESCRIPTION PATTERN KEYREF
  expect_exit 2 "$1" -- "$SIGNET" sign f.bin --key "$3" --cert "$P/alice.pem" -o out.sig
  if grep -qiE "$2" "$W/last.out"; then pass "$1: message names the problem"; else
    failed "$1: message '$(cat "$W/last.out")' lacks /$2/"; fi
  [[ ! -e out.sig ]] && pass "$1: no output written" || { failed "$1: output written"; rm -f out.sig; }
}
key_error "malformed pkcs11 URI" "URI|pkcs11" 'pkcs11:token=signet-test;object=%zz'
key_error "unknown URI attribute" "attribute|unknown" 'pkcs11:tokn=signet-test;object=signer-ec'
key_error "missing token" "token" 'pkcs11:token=no-such-token;object=signer-ec'
key_error "missing object" "object|key" 'pkcs11:token=signet-test;object=no-such-key'
key_error "missing module" "module" 'pkcs11:token=signet-test;object=signer-ec?module-path=/nonexistent/lib.so'
SIGNET_PKCS11_PIN=000000 key_error "wrong PIN" "PIN" 'pkcs11:token=signet-test;object=signer-ec'
(unset SIGNET_PKCS11_PIN; key_error "no PIN" "PIN" 'pkcs11:token=signet-test;object=signer-ec')
key_error "key/certificate mismatch" "match" "$KEY_BOB"
key_error "not a key reference" "pkcs11:|file:" '/etc/passwd'
key_error "missing key file" "open|no such|read" 'file:/nonexistent.pem'

expect_exit 2 "missing artifact" -- "$SIGNET" verify nope.bin --policy policy.toml
expect_exit 2 "missing policy" -- "$SIGNET" verify f.bin --policy nope.toml
printf 'mode = "enforce"\n[trust_store.x]\nanchors = ["%s/root.pem"]\nanchor = 1\n' "$P" >typo.toml
expect_exit 2 "policy with an unknown key" -- "$SIGNET" verify f.bin --policy typo.toml
grep -q "anchor" "$W/last.out" && pass "the unknown key is named" || failed "unknown key not named"
printf 'mode = "enforce"\n[[rule]\n' >broken.toml
expect_exit 2 "policy that is not TOML" -- "$SIGNET" verify f.bin --policy broken.toml
printf '[trust_store.x]\nanchors = ["missing.pem"]\n' >noanchor.toml
expect_exit 2 "policy naming a missing anchor file" -- "$SIGNET" verify f.bin --policy noanchor.toml
expect_exit 2 "bad --at" -- "$SIGNET" verify f.bin --policy policy.toml --at yesterday
expect_exit 2 "unknown subcommand" -- "$SIGNET" frobnicate
expect_exit 2 "unknown class" -- "$SIGNET" sign f.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --class toaster -o x.sig
expect_exit 1 "inspect of garbage is a clear failure" -- "$SIGNET" inspect f.bin
expect_exit 0 "a good signature still verifies" -- "$SIGNET" verify f.bin --policy policy.toml
finish
