#!/usr/bin/env bash
# Linux kernel module signatures: a real Debian module (linux-image-*-cloud-amd64, fetched with
# apt-get download) verified against the build certificate extracted here from the same package's
# vmlinuz; a module signed here with Debian's scripts/sign-file (linux-kbuild-6.1); stripped,
# altered and lying-header modules denied. The PKCS#7 carries no certificate: the signer is found
# by issuer and serial among the trust store's certificates.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debian_packages.sh"
image=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
[[ -n $image ]] || { apt-get update -qq >/dev/null 2>&1; image=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/.*Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1); }
deb_extract "$image" pkg || { failed "download $image"; finish; exit 1; }
vmlinuz=$(find pkg/boot -name 'vmlinuz-*' | head -n 1)
module=$(find pkg/lib/modules -name af_key.ko | head -n 1)
[[ -f $vmlinuz && -f $module ]] && pass "$image: $(basename "$vmlinuz"), $(basename "$module")" ||
  failed "no vmlinuz or af_key.ko in $image"

# The kernel's built-in certificates: the bzImage payload (offset and length from the boot
# protocol header), decompressed by its magic, scanned for DER certificates.
/usr/bin/python3 - "$vmlinuz" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
setup = b[0x1f1] or 4
offset = (setup + 1) * 512 + struct.unpack_from("<I", b, 0x248)[0]
length = struct.unpack_from("<I", b, 0x24c)[0]
open("payload", "wb").write(b[offset:offset + length])
PY
case $(head -c 6 payload | od -An -tx1 | tr -d ' \n') in
  1f8b*) gzip -dc payload >vmlinux 2>/dev/null || true ;;
  fd377a585a00) xz -dc payload >vmlinux 2>/dev/null || true ;;
  28b52ffd*) zstd -dcq payload >vmlinux 2>/dev/null || true ;;
  02214c18*) lz4 -dcq payload >vmlinux 2>/dev/null || true ;;
  425a68*) bzip2 -dc payload >vmlinux 2>/dev/null || true ;;
  5d0000*) xz --format=lzma -dc payload >vmlinux 2>/dev/null || true ;;
  *) failed "unknown kernel compression $(head -c 6 payload | od -An -tx1)" ;;
esac
# (decompressors complain about the padding after the stream; what counts is the output)
[[ -s vmlinux ]] && pass "kernel payload decompressed" || failed "kernel payload not decompressed"
/usr/bin/python3 - <<'PY'
import subprocess
b = open("vmlinux", "rb").read()
found, i = 0, 0
with open("kernel-keys.pem", "w") as out:
    while (i := b.find(b"\x30\x82", i)) >= 0:
        if b[i + 4:i + 6] == b"\x30\x82":
            der = b[i:i + 4 + int.from_bytes(b[i + 2:i + 4], "big")]
            r = subprocess.run(["openssl", "x509", "-inform", "DER"], input=der, capture_output=True)
            if r.returncode == 0:
                out.write(r.stdout.decode())
                found += 1
        i += 2
print(found, "certificates")
PY
grep -q "BEGIN CERTIFICATE" kernel-keys.pem && pass "build certificate(s) extracted from vmlinuz" ||
  failed "no certificate found in the kernel image"

kmod_policy() {  # FILE ANCHORS
  cat >"$1" <<POL
[trust_store.kernel]
anchors = ["$2"]

[publisher.kernel-build]
store = "kernel"
subject = "CN=*"
eku = []

[[rule]]
id = "modules"
class = "kernel-module"
publishers = ["kernel-build"]
POL
}
kmod_policy debian.toml "$W/kernel-keys.pem"
expect_allow debian-module --class kernel-module "$module" --policy debian.toml
[[ $(json_get debian-module.json "d['format']") == kmod ]] && pass "detected as kmod" ||
  failed "format $(json_get debian-module.json "d['format']")"
json_get debian-module.json "d['signers'][0]['subject']" | grep -q . &&
  pass "signer identified: $(json_get debian-module.json "d['signers'][0]['subject']")" ||
  failed "signer not identified"
expect_deny debian-unrelated UNTRUSTED_CHAIN --class kernel-module "$module" \
  --policy "$(kmod_policy unrelated.toml "$P/root.pem"; echo unrelated.toml)"

# Stripped: the module bytes without signature, header and marker.
read -r content_size < <(/usr/bin/python3 - "$module" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
sig_len = int.from_bytes(b[-28 - 4:-28], "big")
print(len(b) - 28 - 12 - sig_len)
PY
)
head -c "$content_size" "$module" >stripped.ko
expect_deny stripped UNSIGNED --class kernel-module stripped.ko --policy debian.toml
cp "$module" altered.ko
printf '\x00' | dd of=altered.ko bs=1 seek=$((content_size / 2)) conv=notrunc status=none
expect_deny altered BAD_SIGNATURE --class kernel-module altered.ko --policy debian.toml
# A header whose sig_len exceeds the file: malformed, never read past the input.
cp "$module" lying.ko
size=$(stat -c %s lying.ko)
printf '\x7f\xff\xff\xff' | dd of=lying.ko bs=1 seek=$((size - 28 - 4)) conv=notrunc status=none
expect_deny lying-sig-len MALFORMED --class kernel-module lying.ko --policy debian.toml

# Signed here with the kernel's own tool; the key and self-signed certificate as kbuild makes them.
SIGN_FILE=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | sort -V | tail -n 1)
[[ -x $SIGN_FILE ]] && pass "sign-file: $SIGN_FILE" || failed "no scripts/sign-file (linux-kbuild-6.1)"
cat >x509.genkey <<'CNF'
[ req ]
default_bits = 3072
distinguished_name = req_distinguished_name
prompt = no
x509_extensions = myexts
[ req_distinguished_name ]
O = Example Plant
CN = Example Plant module signing key
[ myexts ]
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CNF
openssl req -new -nodes -utf8 -sha256 -days 365 -batch -x509 -config x509.genkey \
  -outform PEM -out signing_key.pem -keyout signing_key.pem 2>/dev/null
openssl x509 -in signing_key.pem -out module-cert.pem
cp stripped.ko mine.ko
"$SIGN_FILE" sha256 signing_key.pem signing_key.pem mine.ko
kmod_policy mine.toml "$W/module-cert.pem"
expect_allow sign-file --class kernel-module mine.ko --policy mine.toml
expect_deny sign-file-other-key UNTRUSTED_CHAIN --class kernel-module mine.ko --policy debian.toml
printf 'x' | dd of=mine.ko bs=1 seek=100 conv=notrunc status=none
expect_deny sign-file-altered BAD_SIGNATURE --class kernel-module mine.ko --policy mine.toml

expect_exit 0 "inspect module" -- "$SIGNET" inspect "$module"
grep -q "supplied by the policy" "$W/last.out" && pass "inspect shows the issuer/serial reference" ||
  failed "inspect: $(cat "$W/last.out")"
finish
