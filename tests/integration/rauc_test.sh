#!/usr/bin/env bash
# RAUC bundles and detached manifest signatures from RAUC's own test data (../shared/data/rauc,
# see its README): good bundles allowed under dev-ca.pem, the invalid one denied, EKU cases of the
# manifest-*.sig set, partial-chain anchors, and a verity bundle whose squashfs was altered after
# signing denied although its CMS is intact.
source "$(dirname "$0")/lib.sh"
R=${SIGNET_SHARED_DATA:?}/rauc
CA=$R/openssl-ca

rauc_policy() {  # FILE ANCHOR PARTIAL(true|false) EKU-TOML
  cat >"$1" <<POL
[trust_store.rauc]
anchors = ["$2"]
allow_partial_chain = $3

[publisher.test-org]
store = "rauc"
subject = "O=Test Org, CN=*"
$4

[[rule]]
id = "bundles"
class = "firmware"
target = "*"
publishers = ["test-org"]
POL
}

rauc_policy noeku.toml "$CA/dev-ca.pem" false 'eku = []'
rauc_policy codesign.toml "$CA/dev-ca.pem" false ''
rauc_policy anypurpose.toml "$CA/dev-ca.pem" false \
  'eku = ["codeSigning", "emailProtection", "timeStamping"]'

# --- bundles ---------------------------------------------------------------------------------------
# The bundles' signer ("Release-1") has no EKU, as RAUC's build signers usually do.
expect_allow plain --class firmware "$R/good-bundle.raucb" --policy noeku.toml
[[ $(json_get plain.json "d['format']") == rauc ]] && pass "plain bundle detected as rauc" ||
  failed "format $(json_get plain.json "d['format']")"
expect_allow verity --class firmware "$R/good-verity-bundle.raucb" --policy noeku.toml
expect_allow verity-forced --format rauc --class firmware "$R/good-verity-bundle.raucb" \
  --policy noeku.toml
expect_deny invalid-sig DIGEST_MISMATCH --class firmware "$R/invalid-sig-bundle.raucb" \
  --policy noeku.toml
expect_deny default-eku WRONG_EKU --class firmware "$R/good-bundle.raucb" --policy codesign.toml
expect_deny no-class NO_RULE "$R/good-bundle.raucb" --policy noeku.toml
expect_deny wrong-anchor UNTRUSTED_CHAIN --class firmware "$R/good-bundle.raucb" \
  --policy "$(rauc_policy other.toml "$P/root.pem" false 'eku = []'; echo other.toml)"

# Verity: alter one byte of the squashfs (first block); the CMS and manifest stay intact.
cp "$R/good-verity-bundle.raucb" verity-altered.raucb
printf '\xff' | dd of=verity-altered.raucb bs=1 seek=200 conv=notrunc status=none
expect_deny verity-altered DIGEST_MISMATCH --class firmware verity-altered.raucb --policy noeku.toml
grep -q "dm-verity root hash" verity-altered.json && pass "detail names the dm-verity root hash" ||
  failed "verity detail: $(cat verity-altered.json)"
# Plain: the same alteration breaks the detached messageDigest.
cp "$R/good-bundle.raucb" plain-altered.raucb
printf '\xff' | dd of=plain-altered.raucb bs=1 seek=200 conv=notrunc status=none
expect_deny plain-altered DIGEST_MISMATCH --class firmware plain-altered.raucb --policy noeku.toml
# A lying CMS size field (larger than the file) is malformed, never a crash.
cp "$R/good-bundle.raucb" lying-size.raucb
printf '\x00\x00\x00\x00\x7f\xff\xff\xff' | dd of=lying-size.raucb bs=1 \
  seek=$(($(stat -c %s lying-size.raucb) - 8)) conv=notrunc status=none
expect_deny lying-size MALFORMED --format rauc --class firmware lying-size.raucb --policy noeku.toml
# Truncated: the CMS cut short.
head -c 5000 "$R/good-bundle.raucb" >truncated.raucb
expect_deny truncated MALFORMED --format rauc --class firmware truncated.raucb --policy noeku.toml

# --- manifest-*.sig: detached CMS over the same manifest --------------------------------------------
for s in a1 a2 cs1 ep1 ts1 r1; do cp "$CA/manifest-$s.sig" "manifest.$s.p7s"; done
sig() { echo "--sig" "$CA/manifest-$1.sig"; }
# All six verify when no purpose is enforced (EKU absent, or any of the three present).
for s in a1 a2 r1; do
  expect_allow "noeku-$s" --class firmware "$CA/manifest" $(sig "$s") --policy noeku.toml
done
for s in cs1 ep1 ts1; do
  expect_allow "anypurpose-$s" --class firmware "$CA/manifest" $(sig "$s") --policy anypurpose.toml
done
[[ $(json_get noeku-a1.json "d['format']") == cms-detached ]] && pass "manifest-a1.sig is cms-detached" ||
  failed "format $(json_get noeku-a1.json "d['format']")"
# Requiring codeSigning: cs1 accepted, ep1 and ts1 (and the EKU-less a1) refused.
expect_allow codesign-cs1 --class firmware "$CA/manifest" $(sig cs1) --policy codesign.toml
for s in ep1 ts1 a1; do
  expect_deny "codesign-$s" WRONG_EKU --class firmware "$CA/manifest" $(sig "$s") --policy codesign.toml
done
# The manifest altered: every signature is DIGEST_MISMATCH.
{ cat "$CA/manifest"; echo 'extra=1'; } >manifest-altered
expect_deny altered-manifest DIGEST_MISMATCH --class firmware manifest-altered $(sig a1) \
  --policy noeku.toml

# --- partial-chain anchors ----------------------------------------------------------------------------
rauc_policy dev-partial.toml "$CA/dev-partial-ca.pem" true 'eku = []'
rauc_policy rel-partial.toml "$CA/rel-partial-ca.pem" true 'eku = []'
rauc_policy dev-partial-off.toml "$CA/dev-partial-ca.pem" false 'eku = []'
expect_allow dev-partial-a1 --class firmware "$CA/manifest" $(sig a1) --policy dev-partial.toml
expect_deny dev-partial-r1 UNTRUSTED_CHAIN --class firmware "$CA/manifest" $(sig r1) \
  --policy dev-partial.toml
expect_allow rel-partial-r1 --class firmware "$CA/manifest" $(sig r1) --policy rel-partial.toml
expect_deny rel-partial-a1 UNTRUSTED_CHAIN --class firmware "$CA/manifest" $(sig a1) \
  --policy rel-partial.toml
# Partial chains are opt-in: the same anchor without allow_partial_chain is not a root.
expect_deny partial-off UNTRUSTED_CHAIN --class firmware "$CA/manifest" $(sig a1) \
  --policy dev-partial-off.toml

# --- inspect -----------------------------------------------------------------------------------------
expect_exit 0 "inspect a verity bundle" -- "$SIGNET" inspect "$R/good-verity-bundle.raucb"
grep -q "Release-1" "$W/last.out" && grep -q "verity" "$W/last.out" &&
  pass "inspect shows signer and bundle format" || failed "inspect: $(cat "$W/last.out")"
finish
