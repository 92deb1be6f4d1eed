#!/usr/bin/env bash
# Debian's own signed EFI binaries (grub-efi-amd64-signed, shim-helpers-amd64-signed, fetched with
# apt-get download) verified against the Debian Secure Boot CA, which is taken from the
# .vendor_cert section of shimx64.efi in shim-unsigned. Negative cases: a flipped byte in each
# hashed range, a transplanted signature, an unrelated anchor. No sbverify: it is not an oracle.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debian_packages.sh"
deb_extract grub-efi-amd64-signed pkg || { failed "download grub-efi-amd64-signed"; finish; exit 1; }
deb_extract shim-helpers-amd64-signed pkg || { failed "download shim-helpers"; finish; exit 1; }
deb_extract shim-unsigned pkg || { failed "download shim-unsigned"; finish; exit 1; }

# .vendor_cert: four little-endian u32 (authorized size, deauthorized size, authorized offset,
# deauthorized offset) and the DER certificate at the authorized offset.
objcopy -O binary --only-section=.vendor_cert pkg/usr/lib/shim/shimx64.efi vendor_cert.bin
/usr/bin/python3 - <<'PY'
import struct
b = open("vendor_cert.bin", "rb").read()
size, _, offset, _ = struct.unpack("<IIII", b[:16])
open("debian-ca.der", "wb").write(b[offset:offset + size])
PY
openssl x509 -inform DER -in debian-ca.der -out debian-ca.pem
grep -q "Debian Secure Boot CA" <(openssl x509 -in debian-ca.pem -noout -subject) &&
  pass "Debian Secure Boot CA extracted from shimx64.efi" || failed "vendor_cert is not the Debian CA"

efi_policy() {  # FILE ANCHOR [VERIFY_TIME]
  cat >"$1" <<POL
[trust_store.uefi]
anchors = ["$2"]
verify_time = "${3:-timestamp}"

[publisher.debian]
store = "uefi"
subject = "CN=Debian Secure Boot Signer*"

[[rule]]
id = "uefi-boot"
class = "efi-application"
publishers = ["debian"]
POL
}
efi_policy debian.toml "$W/debian-ca.pem"
efi_policy uefi.toml "$W/debian-ca.pem" ignore-expiry
efi_policy unrelated.toml "$P/root.pem"

mapfile -t signed < <(find pkg -name '*.efi.signed' | sort)
((${#signed[@]} >= 4)) && pass "${#signed[@]} signed EFI binaries" || failed "only ${#signed[@]} found"
for f in "${signed[@]}"; do
  expect_allow "$(basename "$f")" --class efi-application "$f" --policy debian.toml
done
first=$(basename "${signed[0]}")
[[ $(json_get "$first.json" "d['format']") == authenticode ]] && pass "detected as authenticode" ||
  failed "format $(json_get "$first.json" "d['format']")"

# Long-lived UEFI signatures: after the signer certificate expires only ignore-expiry accepts.
grub=$(printf '%s\n' "${signed[@]}" | grep '/grubx64.efi.signed$')
expect_deny expired-later CERT_EXPIRED --class efi-application "$grub" --policy debian.toml \
  --at 2040-01-01T00:00:00Z
expect_allow uefi-ignore-expiry --class efi-application "$grub" --policy uefi.toml \
  --at 2040-01-01T00:00:00Z

# Offsets: checksum field, certificate-table entry, certificate table (PE32+ layout).
read -r checksum certdir table < <(/usr/bin/python3 - "$grub" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", b, 0x3c)[0]
opt = pe + 24
magic = struct.unpack_from("<H", b, opt)[0]
dirs = opt + (112 if magic == 0x20b else 96)
print(opt + 64, dirs + 4 * 8, struct.unpack_from("<I", b, dirs + 32)[0])
PY
)
flip() {  # SRC OFFSET DST
  cp "$1" "$3"
  /usr/bin/python3 -c "
import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[o] ^= 0x01; open(p, 'wb').write(b)" "$3" "$2"
}
size=$(stat -c %s "$grub")
i=0
for offset in 2 $((checksum - 1)) $((checksum + 4)) $((certdir - 1)) $((certdir + 8)) \
  $((size / 3)) $((table - 1)); do
  i=$((i + 1))
  flip "$grub" "$offset" "flipped-$i.efi"
  expect_deny "flipped-$i-at-$offset" DIGEST_MISMATCH --class efi-application "flipped-$i.efi" \
    --policy debian.toml
done
# The checksum field is not hashed: changing it leaves the signature valid.
flip "$grub" "$checksum" checksum-changed.efi
expect_allow checksum-not-hashed --class efi-application checksum-changed.efi --policy debian.toml

# Transplant: grub's certificate table onto the (unsigned) fallback binary.
/usr/bin/python3 - "$grub" pkg/usr/lib/shim/fbx64.efi transplanted.efi <<'PY'
import struct, sys
signed, target, out = (open(sys.argv[1], "rb").read(), bytearray(open(sys.argv[2], "rb").read()),
                       sys.argv[3])
def certdir(b):
    pe = struct.unpack_from("<I", b, 0x3c)[0]
    opt = pe + 24
    return opt + (112 if struct.unpack_from("<H", b, opt)[0] == 0x20b else 96) + 32
off, size = struct.unpack_from("<II", signed, certdir(signed))
table = signed[off:off + size]
while len(target) % 8:
    target.append(0)
struct.pack_into("<II", target, certdir(target), len(target), len(table))
open(out, "wb").write(bytes(target) + table)
PY
expect_deny transplanted DIGEST_MISMATCH --class efi-application transplanted.efi --policy debian.toml
expect_deny unrelated-anchor UNTRUSTED_CHAIN --class efi-application "$grub" --policy unrelated.toml
# Trailing data after the certificate table would be unsigned: refused.
cp "$grub" trailing.efi && printf 'appended' >>trailing.efi
expect_deny trailing-data MALFORMED --class efi-application trailing.efi --policy debian.toml
# Unsigned image.
expect_deny unsigned UNSIGNED --class efi-application pkg/usr/lib/shim/fbx64.efi --policy debian.toml

expect_exit 0 "inspect grub" -- "$SIGNET" inspect "$grub"
grep -q "Debian Secure Boot Signer 2022 - grub2" "$W/last.out" && grep -q "sha256" "$W/last.out" &&
  grep -q "PE32+" "$W/last.out" && pass "inspect shows signer, digest and PE kind" ||
  failed "inspect: $(cat "$W/last.out")"
finish
